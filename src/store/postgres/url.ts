/** A database URL fit for a log line or an error: the password (and any `password=` parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString();
  } catch {
    return '<unparseable database URL>';
  }
}

/** Scrub a URL's password from free text (a driver's error message may quote the connection string). */
export function redactIn(text: string, url: string): string {
  let out = text;
  try {
    const pw = decodeURIComponent(new URL(url).password);
    if (pw) out = out.split(pw).join('***');
  } catch {
    // not a URL: nothing to scrub
  }
  return out.split(url).join(redactUrl(url));
}
