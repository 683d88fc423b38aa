import { register } from 'node:module';
register('./conformance-loader.mjs', import.meta.url);
