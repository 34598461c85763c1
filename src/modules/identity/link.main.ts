// Runs `guildhall link` without the platform CLI: node src/modules/identity/link.main.ts ARGS
import { runLinkCommand } from './link.command.ts';

process.exitCode = await runLinkCommand(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
