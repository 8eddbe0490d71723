/**
 * pico-auth: the project's command line (package.json `bin`; `pico-auth-keys` is the same program
 * under its former name). Key management, the admin password hash, and a development sign-in.
 * Usage text below; exit status 0 ok, 1 failure, 2 usage error. The program entry is main.ts.
 */
import { parseArgs } from 'node:util';
import { generateKeyPem } from '../server/keys/index.js';
import { envSeconds, parseAlgorithm, parseDuration, parseLabels, requireSecretName, UsageError } from './args.js';
import { devSignIn } from './commands/dev-sign-in.js';
import { generateKeyFile } from './commands/generate.js';
import { hashPasswordCommand } from './commands/hash-password.js';
import { initKeySecret } from './commands/init.js';
import { jwksOfDirectory, jwksOfSecret } from './commands/jwks.js';
import { KubernetesSecretStore, loadKubeConfig, resolveNamespace, type KubeTarget } from './k8s/secret-store.js';
import type { SecretStore } from './k8s/types.js';
import { DirectoryKeyStore } from './keydir/directory-store.js';
import { emergencyRotate } from './rotation/emergency.js';
import { rotateKeys } from './rotation/run.js';
import type { RotationStep } from './rotation/plan.js';

export const PROGRAM = 'pico-auth';

export const USAGE = `Usage: pico-auth <command> [options]      (also installed as pico-auth-keys)
In a clone of the repository: npx pico-auth <command> (after npm run build or npm start).

Commands:
  dev sign-in [--url http://localhost:8100] [--wallet FILE] [--token-only]
      Sign in to a running service with a throwaway Ed25519 development wallet and print
      the tokens (JSON; --token-only: the access token alone). --wallet FILE keeps the
      wallet's key in FILE (created if missing) to sign in as the same address again.
  keys generate --dir DIR [--alg RS256|ES256|EdDSA] [--next] [--force]
      Write a new PKCS#8 key into DIR as active.pem (or next.pem with --next); never
      replaces a file unless --force.
  keys init --secret NAME [--alg ALG] [--label key=value]...
      Create the key Secret with a fresh active.pem if it does not exist (else: no change).
  keys rotate (--secret NAME | --dir DIR) [--jwks-max-age 300s] [--token-lifetime 1d]
              [--margin 5m] [--interval 30d] [--alg ALG] [--force] [--dry-run]
      Take every rotation step that is due: publish next.pem; once the JWKS max-age plus
      margin has passed, promote it (the old key is kept as retired-<time>.pem); once the
      token lifetime plus margin has passed, drop retired keys. Idempotent; safe from a CronJob.
      Defaults: --jwks-max-age from AUTH_JWKS_MAX_AGE_SECONDS (300), --token-lifetime the longer
      of AUTH_ACCESS_TOKEN_EXPIRE_MINUTES (15 min) and AUTH_FLEET_MAX_TTL_SECONDS (1 day).
      --dir: a local key folder (AUTH_KEYS_DIR); the timestamps live in its
      .pico-auth-rotation.json.
  keys emergency-rotate (--secret NAME | --dir DIR) --yes [--alg ALG] [--dry-run]
      The active key is compromised: remove it at once (no waits) and sign with next.pem, or
      a new key if there is none. Every token it signed fails as soon as verifiers see the
      new JWKS. See docs/security.md.
  keys jwks (--dir DIR | --secret NAME)
      Print the public JWKS of a key directory or of the key Secret.
  hash-password
      Read a password on stdin (12+ characters) and print its scrypt hash for
      AUTH_ADMIN_PASSWORD_HASH.

Kubernetes options (init, rotate, emergency-rotate, jwks --secret):
  --namespace NS    default: the kubeconfig context's, else the pod's own namespace
  --kubeconfig FILE default: $KUBECONFIG, ~/.kube/config, else the in-cluster ServiceAccount
  --context NAME    kubeconfig context
`;

export const OPTIONS = {
  dir: { type: 'string' },
  alg: { type: 'string' },
  next: { type: 'boolean' },
  force: { type: 'boolean' },
  secret: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  label: { type: 'string', multiple: true },
  'jwks-max-age': { type: 'string' },
  'token-lifetime': { type: 'string' },
  margin: { type: 'string' },
  interval: { type: 'string' },
  'dry-run': { type: 'boolean' },
  yes: { type: 'boolean' },
  url: { type: 'string' },
  wallet: { type: 'string' },
  'token-only': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  now: () => Date;
}

function describe(step: RotationStep): string {
  switch (step.kind) {
    case 'publish':
      return `published next.pem (${step.reason})`;
    case 'promote':
      return `promoted next.pem to active.pem; old key kept as ${step.retiredFile} (${step.reason})`;
    case 'drop':
      return `dropped ${step.files.join(', ')} (${step.reason})`;
    case 'mark':
      return `recorded ${step.annotation} (${step.reason})`;
    case 'wait':
      return `nothing due before ${step.until.toISOString()}: ${step.reason}`;
  }
}

function secretStore(values: KubeTarget & { secret?: string }, env: NodeJS.ProcessEnv): KubernetesSecretStore {
  const name = requireSecretName(values.secret);
  const kc = loadKubeConfig(values, env);
  return KubernetesSecretStore.fromKubeConfig(kc, resolveNamespace(kc, values), name);
}

/** The key Secret (--secret) or a local key folder (--dir): one of the two. */
function keyStore(values: KubeTarget & { secret?: string; dir?: string }, env: NodeJS.ProcessEnv): SecretStore {
  if (values.dir && values.secret) throw new UsageError('give either --dir or --secret');
  if (values.dir) return new DirectoryKeyStore(values.dir);
  if (!values.secret) throw new UsageError('--secret NAME (a Kubernetes Secret) or --dir DIR (a local key folder) is required');
  return secretStore(values, env);
}

/** Runs one command; returns the exit status. Exported for tests (no process.exit inside). */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const err = (line: string) => io.stderr.write(`${line}\n`);
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const command = positionals.join(' ');
    if (values.help || command === '' || command === 'help') {
      out(USAGE);
      return values.help || command === 'help' ? 0 : 2;
    }
    switch (command) {
      case 'keys generate': {
        if (!values.dir) throw new UsageError('--dir DIR is required');
        const { file, kid } = await generateKeyFile({ dir: values.dir, alg: parseAlgorithm(values.alg) ?? 'RS256', next: values.next, force: values.force });
        err(`wrote ${file} (kid ${kid})`);
        return 0;
      }
      case 'keys init': {
        const store = secretStore(values, io.env);
        const result = await initKeySecret(store, { alg: parseAlgorithm(values.alg) ?? 'RS256', labels: parseLabels(values.label), now: io.now() });
        err(result === 'created' ? `created ${store.ref} with a new active.pem` : `${store.ref} already exists; left unchanged`);
        return 0;
      }
      case 'keys rotate': {
        const accessSeconds = envSeconds(io.env, 'AUTH_ACCESS_TOKEN_EXPIRE_MINUTES', 15 * 60, 60);
        const fleetSeconds = envSeconds(io.env, 'AUTH_FLEET_MAX_TTL_SECONDS', 86400);
        const policy = {
          jwksMaxAgeSeconds: values['jwks-max-age'] ? parseDuration(values['jwks-max-age'], '--jwks-max-age') : envSeconds(io.env, 'AUTH_JWKS_MAX_AGE_SECONDS', 300),
          tokenLifetimeSeconds: values['token-lifetime'] ? parseDuration(values['token-lifetime'], '--token-lifetime') : Math.max(accessSeconds, fleetSeconds),
          marginSeconds: values.margin ? parseDuration(values.margin, '--margin') : 300,
          intervalSeconds: values.interval ? parseDuration(values.interval, '--interval') : 30 * 86400,
        };
        // Usage errors first, then the Secret or the folder.
        const store = keyStore(values, io.env);
        const result = await rotateKeys(store, {
          policy,
          clock: io.now,
          generateKey: generateKeyPem,
          algorithm: parseAlgorithm(values.alg),
          force: values.force,
          dryRun: values['dry-run'],
        });
        for (const step of result.steps) err(`${store.ref}: ${values['dry-run'] && step.kind !== 'wait' ? '(dry run) would have ' : ''}${describe(step)}`);
        if (result.conflicts) err(`${store.ref}: re-read ${result.conflicts} time(s) after a concurrent change`);
        return 0;
      }
      case 'keys jwks': {
        if (values.dir && values.secret) throw new UsageError('give either --dir or --secret');
        if (!values.dir && !values.secret) throw new UsageError('--dir DIR or --secret NAME is required');
        const jwks = values.dir ? await jwksOfDirectory(values.dir) : await jwksOfSecret(secretStore(values, io.env));
        out(JSON.stringify(jwks, null, 2));
        return 0;
      }
      case 'keys emergency-rotate': {
        const alg = parseAlgorithm(values.alg);
        if (!values.yes && !values['dry-run']) {
          throw new UsageError('keys emergency-rotate removes the active key at once: every token it signed stops verifying. Pass --yes to do it (or --dry-run to see what it would do)');
        }
        const store = keyStore(values, io.env);
        const r = await emergencyRotate(store, { clock: io.now, generateKey: generateKeyPem, algorithm: alg, dryRun: values['dry-run'] });
        const from = r.source === 'next' ? 'the published next.pem' : 'a new key';
        if (values['dry-run']) {
          err(`${store.ref}: (dry run) would remove the active key ${r.compromisedKid} and sign with ${from} (${r.activeKid})`);
          return 0;
        }
        err(`${store.ref}: removed the compromised key ${r.compromisedKid}; ${from} (${r.activeKid}) signs from now`);
        err('Tokens signed by the removed key fail wherever the new JWKS is loaded: the service within its key reload,');
        err('downstream services after their JWKS cache (AUTH_JWKS_MAX_AGE_SECONDS, 300 s by default) or at once when restarted.');
        err('Signed-in users refresh (refresh tokens are not signed by the key). See docs/security.md.');
        return 0;
      }
      case 'dev sign-in': {
        const { result, walletCreated } = await devSignIn({ url: values.url ?? 'http://localhost:8100', walletFile: values.wallet });
        out(values['token-only'] ? result.access_token : JSON.stringify(result, null, 2));
        err(`signed in as ${result.address} (${walletCreated ? 'a new' : 'the saved'} Ed25519 development wallet${values.wallet ? `, ${values.wallet}` : ''})`);
        return 0;
      }
      case 'hash-password':
        out(await hashPasswordCommand(io.stdin, io.stderr));
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    const error = e as Error & { code?: string };
    if (error instanceof UsageError || error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      err(`${PROGRAM}: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    err(`${PROGRAM}: ${error.message}`);
    return 1;
  }
}
