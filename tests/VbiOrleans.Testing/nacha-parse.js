// Parses a NACHA file with @midlandsbank/node-nacha (an independent parser) and prints what it read as JSON:
// node nacha-parse.js FILE, with VBI_NODE_NACHA naming the installed library's folder.
const fs = require('fs');
const nacha = require(process.env.VBI_NODE_NACHA);
const parsed = nacha.from(fs.readFileSync(process.argv[2]).toString()).data;
const out = {
  file: { origin: parsed.file.origin, destination: parsed.file.destination, creationDate: parsed.file.creationDate, footer: parsed.file.footer },
  batches: parsed.batches.map(b => ({
    serviceClassCode: b.serviceClassCode,
    entryClassCode: b.entryClassCode,
    companyName: b.companyName,
    companyId: b.companyId,
    effectiveDate: b.effectiveDate,
    entries: b.entries.map(e => ({
      transactionCode: e.transactionCode,
      routing: String(e.receivingDFIIdentification).padStart(8, '0') + String(e.checkDigit),
      account: e.dfiAccount,
      amount: e.amount,
      name: e.receivingCompanyName ?? e.individualName ?? e.name,
      traceNumber: String(e.traceNumber).padStart(15, "0"),
    })),
    footer: b.footer,
  })),
};
process.stdout.write(JSON.stringify(out));
