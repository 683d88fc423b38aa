/** A built server on `--transport http --port 0`, its URL read from the JSON log on stderr (the caller kills `children`). */
import { spawn, type ChildProcess } from 'node:child_process';
import { baseEnv, CLI_PATH, tempDataDir } from './client.js';

export interface HttpServer {
  url: string;
  child: ChildProcess;
  /** Resolves once the server's stderr has matched `re` (e.g. the background lesson sync is done). */
  logged(re: RegExp): Promise<void>;
  log(): string;
}

/** Start `--transport http --port 0` and read the bound URL from the JSON log on stderr. */
export async function startHttpServer(children: ChildProcess[], args: string[], env: Record<string, string> = {}): Promise<HttpServer> {
  const child = spawn(process.execPath, [CLI_PATH, '--transport', 'http', '--port', '0', '--data-dir', tempDataDir(), ...args], { env: baseEnv(env) });
  children.push(child);
  let err = '';
  const logged = (re: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => re.test(err) && (child.stderr!.off('data', check), resolve());
      child.stderr!.on('data', check);
      check();
    });
  return await new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /"url":"(http:[^"]+)"/.exec(err);
      if (m) resolve({ url: m[1]!, child, logged, log: () => err });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}
