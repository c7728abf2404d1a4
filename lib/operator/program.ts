/** The entry point the bundle starts from (see main.ts): the exit code is set, and the process ends when idle. */
import { main } from './main';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
