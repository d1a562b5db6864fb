/** `panjareh <command>`: the one entry point of the platform (also `npm run panjareh -- <command>`). */
import { main } from './commands/program.js';

const code = await main(process.argv.slice(2));
// `start` keeps the process alive with its server; every other command, and a failed start, ends here.
if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
