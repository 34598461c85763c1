import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { seedDemoCouncil } from '../seeds/demo.ts';
import { ConfigError, loadConfig } from './config.ts';
import { CATALOGUE_USAGE, catalogueCommand } from './modules/catalogue/catalogue.command.ts';
import {
  GAZETTEER_USAGE,
  GazetteerUsageError,
  gazetteerCommand,
} from './modules/gazetteer/gazetteer.command.ts';
import { IDENTITY_USAGE, LINK_USAGE, runIdentityCommand, runLinkCommand } from './modules/identity/index.ts';
import { runImportCommand } from './modules/parties/index.ts';
import { systemAuditContext } from './platform/audit/audit.ts';
import { ROLES } from './platform/auth/permissions.ts';
import { DomainError } from './platform/http/errors.ts';
import { openRuntime, type Runtime } from './runtime.ts';

const USAGE = `Usage: guildhall <command> [options]

Commands:
  serve                          Start the web server (same as npm start)
  migrate                        Apply database migrations
  seed                           Seed the demo council if the database has no council
  user add --email E --name N --role R [--password P] [--team T] [--site S]
                                 Add a member of staff (roles: ${ROLES.join(', ')}).
                                 Without --password, one is generated and printed.
  token create --name NAME --role ROLE
                                 Create an API token; it is printed once, as the last line
${CATALOGUE_USAGE}
${GAZETTEER_USAGE}
  import parties FILE.csv --mapping MAPPING.json [--rejects REJECTS.csv]
                                 Load people or organisations from a CSV file (see docs/parties.md)
  ${LINK_USAGE.replace('guildhall ', '')}
                                 Find records of the same person in one CSV file, or across two
                                 (see docs/identity-linkage.md; "guildhall link --help" for all options)
  ${IDENTITY_USAGE.replace('guildhall ', '')}
                                 Link a back-office extract to the register: merge, create or queue
                                 for review (see docs/identity-linkage.md)
  help                           Show this help

The database is the embedded one in GUILDHALL_DATA_DIR (default ./.guildhall), or DATABASE_URL.
Commands work whether or not the server is running.
`;

class UsageError extends Error {}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const runtime = await openRuntime(config, { role: 'cli' });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
}

async function userAdd(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      team: { type: 'string' },
      site: { type: 'string' },
    },
  });
  const email = required(values, 'email');
  const name = required(values, 'name');
  const role = required(values, 'role');
  const generated = values.password === undefined;
  const password = values.password ?? randomBytes(15).toString('base64url');
  await withRuntime(async ({ services }) => {
    const council = await services.governance.defaultCouncil();
    const teams = await services.governance.listTeams(council.id);
    const sites = await services.governance.listSites(council.id);
    const team = values.team
      ? teams.find((t) => t.name.toLowerCase() === values.team?.toLowerCase())
      : undefined;
    if (values.team && !team)
      throw new UsageError(`No team called "${values.team}". Teams: ${teams.map((t) => t.name).join(', ')}`);
    const site = values.site
      ? sites.find((s) => s.name.toLowerCase() === values.site?.toLowerCase())
      : undefined;
    if (values.site && !site)
      throw new UsageError(`No site called "${values.site}". Sites: ${sites.map((s) => s.name).join(', ')}`);
    const id = await services.governance.createUser(
      {
        councilId: council.id,
        email,
        displayName: name,
        role,
        password,
        teamId: team?.id ?? null,
        siteId: site?.id ?? null,
      },
      systemAuditContext(council.id, 'guildhall user add'),
    );
    out(`Added ${role} ${email} (${id})`);
    if (generated) out(`Password: ${password}`);
  });
}

async function tokenCreate(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { name: { type: 'string' }, role: { type: 'string' } } });
  const name = required(values, 'name');
  const role = required(values, 'role');
  await withRuntime(async ({ services }) => {
    const council = await services.governance.defaultCouncil();
    const created = await services.governance.createApiToken(
      { councilId: council.id, name, role },
      systemAuditContext(council.id, 'guildhall token create'),
    );
    out(
      `Created API token "${name}" with role ${created.role} (${created.id}). Store it now; it is not shown again:`,
    );
    out(created.token);
  });
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { serve } = await import('./serve.ts');
        await serve();
        return 0;
      }
      case 'migrate':
        await withRuntime(async (runtime) => {
          const applied = runtime.appliedMigrations;
          out(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'The database is up to date.');
        });
        return 0;
      case 'seed':
        await withRuntime(async (runtime) => {
          const result = await seedDemoCouncil(runtime.database.db, runtime.services.governance);
          out(
            result.seeded
              ? `Seeded ${result.councilName}.`
              : `${result.councilName} already exists; nothing to do.`,
          );
        });
        return 0;
      case 'user':
        if (rest[0] !== 'add') throw new UsageError('Did you mean: guildhall user add ...');
        await userAdd(rest.slice(1));
        return 0;
      case 'token':
        if (rest[0] !== 'create') throw new UsageError('Did you mean: guildhall token create ...');
        await tokenCreate(rest.slice(1));
        return 0;
      case 'catalogue':
        return await catalogueCommand(rest, { out, err, withRuntime, usageError: (m) => new UsageError(m) });
      case 'gazetteer':
        return await gazetteerCommand(rest, {
          out,
          err,
          withService: (work) =>
            withRuntime(async ({ services }) =>
              work(services.gazetteer, (await services.governance.defaultCouncil()).id),
            ),
        });
      case 'import':
        return await withRuntime(async ({ services }) => {
          const council = await services.governance.defaultCouncil();
          return runImportCommand(rest, { parties: services.parties, councilId: council.id, out, err });
        });
      case 'identity':
        return await withRuntime(async ({ services }) => {
          const council = await services.governance.defaultCouncil();
          return runIdentityCommand(rest, { identity: services.identity, councilId: council.id, out, err });
        });
      case 'link':
        // Needs no database: it reads the files and writes clusters to stdout.
        return await runLinkCommand(rest, { stdout: process.stdout, stderr: process.stderr });
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`Unknown command "${command}"`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof GazetteerUsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      err(`guildhall: ${error.message}`);
      err('Run "guildhall help" for usage.');
      return 2;
    }
    if (error instanceof ConfigError) {
      err(error.message);
      return 1;
    }
    if (error instanceof DomainError) {
      err(`guildhall: ${error.message}`);
      for (const fieldError of error.fieldErrors) err(`  --${fieldError.field}: ${fieldError.message}`);
      return 1;
    }
    throw error;
  }
}

/** Runs a command and exits with its code; `serve` keeps the process alive. */
export async function main(argv: string[]): Promise<void> {
  const code = await runCli(argv);
  if (argv[0] !== 'serve') process.exit(code);
}

if (import.meta.main) await main(process.argv.slice(2));
