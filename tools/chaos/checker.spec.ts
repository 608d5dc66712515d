import { cents, expectedEffects } from './checker';

// The checker's arithmetic: what each command must have written, exactly once.
const none = { rows: 0, sum: 0n };

it('reads signed decimal text as cents', () => {
  expect([cents('12.5'), cents('-0.07'), cents('100'), cents(null), cents('-1234.56')]).toEqual([1250n, -7n, 10000n, 0n, -123456n]);
});

it('expects nothing from a command that did not succeed', () => {
  for (const status of ['rejected', 'failed', 'queued']) {
    expect(expectedEffects({ type: 'award', status, payload: { amount: '5.00' }, result: null, issuer_role: 'lead' })).toMatchObject({ pool: none, lead: none, wallet: none, dist: none, alloc: none, billing: 0, recognitions: 0 });
  }
});

it('expects one journal row per account moved, from the source the issuer spends', () => {
  expect(expectedEffects({ type: 'allocate', status: 'succeeded', payload: { amount: '10.00' }, result: {}, issuer_role: 'platform_admin' })).toMatchObject({ pool: { rows: 1, sum: 1000n }, alloc: { rows: 1, sum: 1000n }, billing: 1 });
  expect(expectedEffects({ type: 'clawback', status: 'succeeded', payload: { amount: '3' }, result: {}, issuer_role: 'platform_admin' })).toMatchObject({ pool: { rows: 1, sum: -300n }, alloc: { rows: 1, sum: -300n }, billing: 1 });
  expect(expectedEffects({ type: 'delegate', status: 'succeeded', payload: { amount: '7.25' }, result: {}, issuer_role: 'tenant_manager' })).toMatchObject({ pool: { rows: 1, sum: -725n }, lead: { rows: 1, sum: 725n }, dist: { rows: 1, sum: 725n }, wallet: none });
  expect(expectedEffects({ type: 'award', status: 'succeeded', payload: { amount: '2.00' }, result: {}, issuer_role: 'hr_admin' })).toMatchObject({ pool: { rows: 1, sum: -200n }, lead: none, wallet: { rows: 1, sum: 200n } });
  expect(expectedEffects({ type: 'award', status: 'succeeded', payload: { amount: '2.00' }, result: {}, issuer_role: 'lead' })).toMatchObject({ pool: none, lead: { rows: 1, sum: -200n }, wallet: { rows: 1, sum: 200n } });
  expect(expectedEffects({ type: 'recognition', status: 'succeeded', payload: { points: '0' }, result: {}, issuer_role: 'employee' })).toMatchObject({ pool: none, wallet: none, dist: none, recognitions: 1 });
  expect(expectedEffects({ type: 'recognition', status: 'succeeded', payload: { points: '4.00' }, result: {}, issuer_role: 'lead' })).toMatchObject({ lead: { rows: 1, sum: -400n }, wallet: { rows: 1, sum: 400n }, recognitions: 1 });
  expect(expectedEffects({ type: 'bulk_award', status: 'succeeded', payload: { rows: 3 }, result: { totalAmount: '30.00', recipients: 3 }, issuer_role: 'tenant_manager' })).toMatchObject({
    pool: { rows: 1, sum: -3000n },
    wallet: { rows: 3, sum: 3000n },
    dist: { rows: 3, sum: 3000n },
    distRecipients: 3,
  });
});
