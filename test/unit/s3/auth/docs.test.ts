// docs/credentials.md stays true: its operation table is the code's, and its example files load.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { packageRoot } from '../../../../src/config/package-root.js';
import { ACTIONS, OPERATION_ACTIONS } from '../../../../src/s3/auth/policy.js';
import { parseCredentialsFile } from '../../../../src/s3/sigv4/credentials.js';
import { route } from '../../../../src/s3/router.js';

const doc = readFileSync(join(packageRoot(), 'docs/credentials.md'), 'utf8');

it('the operation table lists every operation with its action and category', () => {
  const rows = [...doc.matchAll(/^\| (\w+) +\| `(s3:\w+)` +\| (\w+) +\| (yes|not yet) +\|$/gm)];
  const table: Record<string, { action: string; category: string; served: string }> = Object.fromEntries(
    rows.map((m) => [m[1]!, { action: m[2]!, category: m[3]!, served: m[4]! }]),
  );
  const expected = Object.fromEntries(
    Object.entries(OPERATION_ACTIONS).map(([op, action]) => [op, { action, category: ACTIONS[action] }]),
  );
  assert.deepEqual(
    Object.fromEntries(
      Object.entries(table).map(([op, r]) => [op, { action: r.action, category: r.category }]),
    ),
    expected,
  );
  // "served today" says whether the router knows the operation; spot-check both kinds.
  assert.equal(table['HeadObject']?.served, 'yes');
  assert.equal(route('HEAD', '/bkt/k', '', {}).op, 'HeadObject');
  assert.equal(table['UploadPart']?.served, 'not yet');
});

it('the example files in the document load', () => {
  const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((text) => text.includes('"credentials"'));
  assert.ok(examples.length >= 2);
  for (const text of examples) assert.ok(parseCredentialsFile(text, 'docs/credentials.md').length > 0);
});
