import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@points/testing';
async function main() {
  const db = await createTestDatabase(2);
  const em: any = db.orm.em;
  const rows = Array.from({ length: 100000 }, (_, i) => ({ bulk_award_id: randomUUID(), row_number: i + 1, user_ref: randomUUID(), amount_text: '1.00', description: null }));
  const j = JSON.stringify(rows);
  for (let k = 0; k < 2; k++) {
    let s = performance.now();
    await em.fork().getConnection().execute('select length(?::text)', [j]);
    console.log('mikro execute', performance.now() - s);
    s = performance.now();
    await em.fork().getConnection().getKnex().raw('select length(?::text)', [j]);
    console.log('knex raw', performance.now() - s);
    s = performance.now();
    const knex = em.fork().getConnection().getKnex();
    const conn = await knex.client.acquireConnection();
    await conn.query('select length($1::text)', [j]);
    await knex.client.releaseConnection(conn);
    console.log('pg direct', performance.now() - s);
  }
  await db.drop();
}
main();
