#!/usr/bin/env bash
# The three tiers over HTTP, against a running `npm run up` (gateway on :3000).
set -euo pipefail
API=${API:-http://127.0.0.1:3000}
json() { node -pe "const v = JSON.parse(require('fs').readFileSync(0, 'utf8')); $1"; }

ADMIN=$(npm run -s token -- --email admin@platform.local)
MANAGER=$(npm run -s token -- --email manager@triton.local)
LEAD=$(npm run -s token -- --email lead1@triton.local)
EMPLOYEE=$(npm run -s token -- --email employee1@triton.local)
TENANT=$(curl -s "$API/api/platform/tenants" -H "Authorization: Bearer $ADMIN" | json 'v.items.find((t) => t.slug === "triton").id')
LEAD_ID=$(curl -s "$API/api/me" -H "Authorization: Bearer $LEAD" | json 'v.user.id')
EMPLOYEE_ID=$(curl -s "$API/api/me" -H "Authorization: Bearer $EMPLOYEE" | json 'v.user.id')

echo "1. platform admin allocates 50,000 points to triton"
curl -s "$API/api/platform/allocations/allocate" -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -H 'Prefer: wait=10' -H "Idempotency-Key: walkthrough-allocate-$TENANT" \
  -d "{\"tenantId\":\"$TENANT\",\"amount\":\"50000.00\",\"currency\":\"USD\",\"referenceNote\":\"Annual plan\",\"invoiceNumber\":\"INV-001\"}"
echo
echo "2. the manager delegates 5,000 to a lead"
curl -s "$API/api/allocations/distribute-to-lead" -H "Authorization: Bearer $MANAGER" -H 'Content-Type: application/json' \
  -H 'Prefer: wait=10' -d "{\"leadId\":\"$LEAD_ID\",\"amount\":\"5000\"}"
echo
echo "3. the lead recognises an employee with 250 points from their budget"
curl -s "$API/api/recognitions" -H "Authorization: Bearer $LEAD" -H 'Content-Type: application/json' \
  -H 'Prefer: wait=10' -d "{\"recipientId\":\"$EMPLOYEE_ID\",\"points\":\"250\",\"message\":\"Great launch!\"}"
echo
echo "4. the employee's wallet, and the pool"
curl -s "$API/api/me" -H "Authorization: Bearer $EMPLOYEE"; echo
curl -s "$API/api/allocations/pool" -H "Authorization: Bearer $MANAGER"; echo
echo "5. the accounting check, computed from the journals"
curl -s "$API/api/platform/allocations/stats/$TENANT" -H "Authorization: Bearer $ADMIN"; echo
