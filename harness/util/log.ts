// Progress lines for people at a terminal. Kept on stderr so that --json output on
// stdout stays machine-readable.
export type Logger = (message: string) => void;

export const stderrLogger: Logger = (message) => {
  process.stderr.write(`${message}\n`);
};

export const silentLogger: Logger = () => {};
