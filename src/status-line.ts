// The one line a progress bar holds at the bottom of a terminal: log lines are written above it, never into it.

/** A line drawn in place (a progress bar): taken off before other output, drawn again after it. */
export interface StatusLine {
  clear(): void;
  redraw(): void;
}

let active: StatusLine | undefined;

/** Makes `line` the terminal's status line until the returned function is called. */
export function holdStatusLine(line: StatusLine): () => void {
  active = line;
  return () => {
    if (active === line) active = undefined;
  };
}

/** Writes `text` (whole lines) above the status line, if one is drawn: it is cleared first and drawn again after. */
export function writeAboveStatusLine(stream: NodeJS.WritableStream, text: string): void {
  const line = active;
  if (line === undefined) {
    stream.write(text);
    return;
  }
  line.clear();
  stream.write(text);
  line.redraw();
}
