// Asserting the S3 error an AWS SDK call fails with: the status and, when given, the error code.
import assert from 'node:assert/strict';
import { S3ServiceException } from '@aws-sdk/client-s3';

export async function assertS3Error(p: Promise<unknown>, status: number, code?: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof S3ServiceException, `not an S3 error: ${String(e)}`);
    assert.equal(e.$metadata.httpStatusCode, status, `${e.name}: ${e.message}`);
    if (code !== undefined) assert.equal(e.name, code);
    return true;
  });
}
