import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The images tools/node/images.sh built (our Dockerfile, the pause and Redis images) and where:
 * its images.env next to the OCI archives that containerd imports.
 */
export interface NodeImages {
  dir: string;
  storeRoot: string;
  storeRunroot: string;
  app: string;
  pause: string;
  redis: string;
  /** The app image's size as buildah reports it, e.g. "469 MB". */
  appSize: string;
  archives: { app: string; pause: string; redis: string };
}

export function imagesDir(): string {
  const cache = process.env.PICO_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'pico-server-auth');
  return process.env.PICO_NODE_IMAGES ?? join(cache, 'node', 'out');
}

export function loadImages(): NodeImages {
  const dir = imagesDir();
  const file = join(dir, 'images.env');
  if (!existsSync(file)) throw new Error(`${file} is missing: build the images first (bash tools/node/images.sh, as \`npm run test:node\` does)`);
  const env = Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const get = (k: string) => {
    const v = env[k];
    if (!v) throw new Error(`${file} has no ${k}`);
    return v;
  };
  return {
    dir,
    storeRoot: get('PICO_NODE_STORE_ROOT'),
    storeRunroot: get('PICO_NODE_STORE_RUNROOT'),
    app: get('PICO_NODE_APP_IMAGE'),
    pause: get('PICO_NODE_PAUSE_IMAGE'),
    redis: get('PICO_NODE_REDIS_IMAGE'),
    appSize: get('PICO_NODE_APP_SIZE'),
    archives: { app: join(dir, 'app.oci.tar'), pause: join(dir, 'pause.oci.tar'), redis: join(dir, 'redis.oci.tar') },
  };
}
