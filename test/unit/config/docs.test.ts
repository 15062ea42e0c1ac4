import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { CONFIG_DOC_PATH, renderConfigDoc } from '../../../scripts/gen-config-doc.js';
import { packageRoot } from '../../../src/config/package-root.js';
import { OPTION_LIST } from '../../../src/config/schema.js';

it('docs/config.md is what scripts/gen-config-doc.ts renders now', () => {
  const onDisk = readFileSync(join(packageRoot(), CONFIG_DOC_PATH), 'utf8');
  assert.equal(
    onDisk,
    renderConfigDoc(),
    'docs/config.md is stale: run npm run build && npm run docs:config',
  );
});

it('docs/config.md documents every option and prints no secret default', () => {
  const doc = renderConfigDoc();
  for (const opt of OPTION_LIST) {
    assert.ok(doc.includes(`\`${opt.flag} <`), opt.flag);
    assert.ok(doc.includes(`\`${opt.env}\``), opt.env);
  }
  for (const opt of OPTION_LIST.filter((o) => o.secret)) {
    assert.match(doc, new RegExp(`^\\| ${opt.key} \\|.*\\| — \\| [^|]*\\|$`, 'm'));
  }
});
