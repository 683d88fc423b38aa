// The conformance suite imports fs.globSync (Node 22+) for its tier-check only; on Node 20 that
// import fails at load. Strip it and bind the name to a function that is never called by server scenarios.
export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (url.includes('@modelcontextprotocol/conformance/dist/') && url.endsWith('.js')) {
    let source = String(result.source);
    const m = source.match(/globSync as (\w+),/);
    if (m) {
      source = source.replace(m[0], '');
      source = source.replace(/^#!.*\n/, '') + `\nfunction ${m[1]}() { throw new Error("globSync is unavailable on Node 20"); }\n`;
    }
    return { ...result, source, shortCircuit: true };
  }
  return result;
}
