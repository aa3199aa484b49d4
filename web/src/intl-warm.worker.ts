/**
 * A Web Worker that builds one number and one date formatter, then ends.
 *
 * The first `Intl` formatter a page builds loads ICU's locale data: tens of milliseconds on a
 * desktop, several times that on a slow phone, in one piece. That data belongs to the page's
 * process, not to a thread: loaded here, in parallel with the page's script and requests, it
 * is ready when the page's first figures are formatted and the main thread never waits for it.
 */
new Intl.NumberFormat(undefined).format(0);
new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' }).format(0);
self.close();
