// Ceiling H's server: bare Express 5 — parse the JSON body, answer 202, nothing
// else. Run as a child process by express.ts; prints its port once listening.
import express from 'express';

const app = express();
app.post('/api/allocations/award-points', express.json(), (_req, res) => {
  res.status(202).end();
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
