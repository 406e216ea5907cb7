// Where the e2e module keeps its outputs (all under e2e/target/, which Maven cleans).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TARGET_DIR = join(E2E_DIR, 'target');
export const SCREENSHOT_DIR = join(TARGET_DIR, 'screenshots');
