// The portal's pages that run the client protocol in the browser (docs/portal.md): registering a meter, buying
// postage (a purchase, then the signed PVD), printing a label (to a ZIP, or a shipping label with both addresses
// matched and a rate chosen), a batch from a CSV file, refunding an indicium, changing the meter password and
// withdrawing the meter. The protocol itself is vbi-protocol.js; this module keeps the keys in IndexedDB, gets the
// page's API token and calls the /v1 API.
import * as vbi from "./vbi-protocol.js";

// ---- the key store: IndexedDB, one record per meter { meterId, hmk: { hmac, hkdf }, chain } and the pinned module key.
// CryptoKeys are stored as they are (structured clone): non-extractable keys stay non-extractable.

const DB = { name: "vbi-portal", version: 1, meters: "meters", pins: "pins" };

function openDb() {
    return new Promise((resolve, reject) => {
        const open = indexedDB.open(DB.name, DB.version);
        open.onupgradeneeded = () => {
            open.result.createObjectStore(DB.meters, { keyPath: "meterId" });
            open.result.createObjectStore(DB.pins);
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
    });
}

async function stored(store, key) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
        const get = db.transaction(store).objectStore(store).get(key);
        get.onsuccess = () => resolve(get.result ?? null);
        get.onerror = () => reject(get.error);
    });
}

async function store(storeName, value, key) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
        const tx = db.transaction(storeName, "readwrite");
        tx.objectStore(storeName).put(value, key);
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
    });
}

// ---- the page's API credential: a short-lived customer token, in memory only ----------------------------------------

const page = document.querySelector("[data-vbi-page]");
let token = null;

async function apiToken() {
    if (token && Date.parse(token.expiresAt) - Date.now() > 30_000) return token.token;
    const verification = page.querySelector("input[name=__RequestVerificationToken]").value;
    const response = await fetch("/portal/api-token", { method: "POST", headers: { RequestVerificationToken: verification }, redirect: "error" })
        .catch(() => null);
    if (!response?.ok) throw new Failure("SessionEnded", "your portal session has ended: log in again");
    token = await response.json();
    return token.token;
}

// The token dies with the page: revoked when the page is left (keepalive lets the request outlive it).
addEventListener("pagehide", () => {
    if (token) fetch("/v1/sessions/current", { method: "DELETE", headers: { Authorization: "Bearer " + token.token }, keepalive: true });
    token = null;
});

class Failure extends Error {
    constructor(code, message, problem = null) {
        super(message);
        this.code = code;
        this.problem = problem;
    }
}

/** One /v1 call; a problem document becomes a Failure with its stable code (and the signed response, if the module signed one). */
async function api(method, path, body, idempotencyKey) {
    const headers = { Authorization: "Bearer " + await apiToken(), Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await response.json().catch(() => null);
    if (response.ok) return json;
    throw new Failure(json?.code ?? "HttpStatus" + response.status, json?.detail ?? json?.title ?? response.statusText, json);
}

const newKey = () => "portal-" + vbi.toBase64(vbi.randomBytes(16)).replace(/[+/=]/g, "");

/**
 * The idempotency key of what a form asks: kept while the same request is tried again (after a failure anywhere, the
 * retry reaches the same licence, purchase, PVD or print), a new one as soon as the request differs.
 */
function formKey(form, request) {
    const what = JSON.stringify(request);
    if (form.dataset.keyFor !== what) {
        form.dataset.key = newKey();
        form.dataset.keyFor = what;
    }
    return form.dataset.key;
}

/** After success: the next submission is a new request, even with the same fields. */
function forgetKey(form) {
    delete form.dataset.key;
    delete form.dataset.keyFor;
}
const meterPath = meterId => "/v1/meters/" + encodeURIComponent(meterId);

// ---- what the page shows -------------------------------------------------------------------------------------------

const problemLine = page.querySelector("[data-vbi=problem]");
const statusLine = page.querySelector("[data-vbi=status]");

function show(status) {
    problemLine.textContent = "";
    statusLine.textContent = status;
}

function showFailure(e) {
    statusLine.textContent = "";
    problemLine.textContent = "";
    const code = document.createElement("span");
    code.className = "code";
    code.textContent = e.code ?? "Failed";
    problemLine.append(code, " " + e.message);
}

function busy(form, action) {
    form.addEventListener("submit", async event => {
        event.preventDefault();
        const button = form.querySelector("button");
        button.disabled = true;
        show("Working…");
        try {
            await action(form);
        } catch (e) {
            if (e.answered) forgetKey(form);
            showFailure(e);
        } finally {
            button.disabled = page.dataset.withdrawn === "true"; // a withdrawn meter takes no more requests
        }
    });
}

/** Dollars as typed ("25", "25.5", "0.69", "0.695") to integer mills, without floating point. */
function mills(text) {
    const m = /^\s*\$?(\d{1,7})(?:\.(\d{1,3}))?\s*$/.exec(text);
    if (!m) throw new Failure("ValidationFailed", "give an amount in dollars, like 25.00");
    return Number(m[1]) * 1000 + Number((m[2] ?? "").padEnd(3, "0"));
}

const dollars = value => "$" + Math.floor(value / 1000) + "." + String(value % 1000).padStart(3, "0");

// ---- the pinned module key: pinned on first use, compared ever after ------------------------------------------------

async function pinnedModuleKey() {
    const offered = page.dataset.moduleKey;
    const pinned = await stored(DB.pins, "moduleKey");
    if (pinned && pinned !== offered)
        throw new Failure("ModuleKeyChanged", "the module key this page names is not the one this browser pinned; registration stopped");
    if (!pinned) await store(DB.pins, offered, "moduleKey");
    return vbi.importModuleKey(vbi.fromBase64(offered));
}

// ---- registration (docs/client-protocol.md §2) -----------------------------------------------------------------------

async function register(form) {
    const zip = form.querySelector("#licensing-zip").value.trim();
    const password = form.querySelector("#meter-password").value;
    if (password !== form.querySelector("#meter-password-again").value) throw new Failure("ValidationFailed", "the two passwords differ");
    const violation = vbi.checkPassword(password);
    if (violation !== "None") throw new Failure("PasswordRejected", "the meter password is refused: " + violation);
    const moduleKey = await pinnedModuleKey();

    // A retry after a failure licenses the same meter (the same key for the same ZIP).
    const meter = await api("POST", "/v1/meters", { licensingZip: zip }, formKey(form, zip));
    const request = vbi.registrationRequest(meter.meterId);
    const response = await api("POST", meterPath(meter.meterId) + "/registration", request);

    const hmk = vbi.randomBytes(32);
    try {
        const envelope = await vbi.sealRegistration(request, response, moduleKey, hmk, password);
        // Kept before the envelope is sent: a meter registered with a key this browser lost could not be used.
        await store(DB.meters, { meterId: meter.meterId, hmk: await vbi.importHmk(hmk), chain: null });
        await api("POST", meterPath(meter.meterId) + "/registration/envelope", envelope);
    } finally {
        hmk.fill(0);
    }
    forgetKey(form);
    form.reset();
    show("");
    const link = document.createElement("a");
    link.href = "/meters/" + encodeURIComponent(meter.meterId) + "/postage";
    link.textContent = "buy postage and print";
    statusLine.append(`Meter ${meter.meterId} is registered with this browser: `, link, ".");
}

// ---- the meter's session and signed requests (§4, §5) -------------------------------------------------------------

async function meterRecord(meterId) {
    const record = await stored(DB.meters, meterId);
    if (!record) throw new Failure("MeterKeyMissing", "this browser holds no key for this meter: it was registered elsewhere");
    return record;
}

async function logIn(record) {
    const password = document.querySelector("#meter-password").value;
    if (!password) throw new Failure("MeterPasswordNeeded", "the meter's session is not open: give the meter password");
    const request = await vbi.loginRequest(record.meterId, record.hmk, password);
    const response = await api("POST", meterPath(record.meterId) + "/sessions", request);
    record.chain = await vbi.completeLogin(request, response, record.hmk);
    await store(DB.meters, record);
    return record;
}

// Refusals the module could not sign: the chain did not move. A new session (the login's registers include any
// transaction that was executed) and the same transaction with the same key, once.
const SESSION_GONE = new Set(["SessionUnknown", "SessionExpired", "ChallengeReplayed", "ChallengeUnknown"]);

/** Signs <t> on the meter's chain, sends it, verifies the answer under the HMK and moves the chain on. */
async function transact(meterId, route, t, idempotencyKey, label) {
    let record = await meterRecord(meterId);
    if (!record.chain) record = await logIn(record);
    for (let attempt = 0; ; attempt++) {
        const request = await vbi.signRequest(record.hmk, record.chain, t, idempotencyKey);
        let result;
        try {
            result = await api("POST", meterPath(meterId) + "/" + route, label ? { request, label } : { request }, idempotencyKey);
        } catch (e) {
            if (e.problem?.signedResponse) {
                // The module consumed the challenge and signed its refusal: take the next challenge from it.
                record.chain = await vbi.applyResponse(record.hmk, record.chain, request, e.problem.signedResponse);
                await store(DB.meters, record);
                e.answered = true; // the module's final answer to this key: a new attempt is a new request
            } else if (SESSION_GONE.has(e.code) && attempt === 0) {
                record = await logIn(record);
                continue;
            }
            throw e;
        }
        const payload = result.indiciumId && result.indicium ? vbi.indiciumPayload(result.indiciumId, result.indicium) : new Uint8Array(0);
        record.chain = await vbi.applyResponse(record.hmk, record.chain, request, result.signedResponse, payload);
        await store(DB.meters, record);
        showRegisters(record.chain);
        return result;
    }
}

function showRegisters(chain) {
    for (const [field, value] of [["descending", chain.descendingMills], ["ascending", chain.ascendingMills]]) {
        const shown = page.querySelector(`[data-vbi=${field}]`);
        if (shown) shown.textContent = dollars(value);
    }
}

/** A printed indicium offered for refund on the page (the postage page's list), newest first. */
function offerRefund(indiciumId, text, select = false) {
    const list = document.querySelector("#refund-id");
    if (!list) return;
    const option = document.createElement("option");
    option.value = indiciumId;
    option.textContent = text;
    list.prepend(option);
    if (select) option.selected = true;
}

async function buy(form) {
    const meterId = page.dataset.meterId;
    const amount = mills(form.querySelector("#buy-amount").value);
    // One key for the purchase and its PVD: a retry reaches the same purchase and the same PVD, nothing twice.
    const order = { meterId, amountMills: amount, paymentMethodId: form.querySelector("#buy-method").value };
    const key = formKey(form, order);
    const purchase = await api("POST", "/v1/purchases", order, key);
    await transact(meterId, "funds", vbi.transactions.postageValueDownload(amount, purchase.id), key);
    forgetKey(form);
    show(`Bought ${dollars(amount)} of postage (purchase ${purchase.id}).`);
}

async function print(form) {
    const meterId = page.dataset.meterId;
    const t = vbi.transactions.print(mills(form.querySelector("#print-postage").value), form.querySelector("#print-zip").value.trim(),
        form.querySelector("#print-class").value);
    const label = { format: form.querySelector("#print-format").value };
    const result = await transact(meterId, "prints", t, formKey(form, [t, label]), label);
    forgetKey(form);
    offerLabel(result);
    offerRefund(result.indiciumId, `${result.indiciumId} (${result.amount} to ${t.destinationZip})`, true);
    show(`Printed indicium ${result.indiciumId} for ${result.amount}.`);
}

let labelUrl = null;

/** The label as a file to download (and, for a PNG, shown), from the bytes the module's answer came with. */
function offerLabel(result) {
    const label = result.label;
    const bytes = vbi.fromBase64(label.data);
    if (labelUrl) URL.revokeObjectURL(labelUrl);
    const url = labelUrl = URL.createObjectURL(new Blob([bytes], { type: label.contentType }));
    const area = page.querySelector("[data-vbi=label]");
    area.replaceChildren();
    const link = document.createElement("a");
    link.href = url;
    link.download = label.fileName;
    link.textContent = `Download the label (${label.format.toUpperCase()}) of ${result.indiciumId}`;
    const line = document.createElement("p");
    line.append(link);
    area.append(line);
    if (label.contentType === "image/png") {
        // A data: URL, which the policy's img-src allows (a blob: URL it does not).
        const image = document.createElement("img");
        image.src = "data:image/png;base64," + label.data;
        image.alt = `The label of indicium ${result.indiciumId}`;
        image.width = 600; // an attribute, not a style: the policy allows no inline style
        const figure = document.createElement("p");
        figure.append(image);
        area.append(figure);
    }
}

async function refund(form) {
    const meterId = page.dataset.meterId;
    const select = form.querySelector("#refund-id");
    const indiciumId = select.value;
    if (!indiciumId) throw new Failure("ValidationFailed", "choose an indicium to refund");
    const result = await transact(meterId, "refunds", vbi.transactions.refund(indiciumId), formKey(form, indiciumId));
    forgetKey(form);
    select.querySelector(`option[value="${CSS.escape(indiciumId)}"]`)?.remove();
    show(`Refunded indicium ${indiciumId}: ${result.amount} back to the meter.`);
}

// ---- a batch of prints from a CSV file, as `vbi print --batch` reads it (docs/api.md) --------------------------------

/** The fields of one CSV line: commas separate them, a field may be quoted with double quotes ("" is a quote). */
function csvFields(line) {
    const fields = [];
    let current = "", quoted = false;
    for (let i = 0; i < line.length; i++) {
        const c = line[i];
        if (quoted) {
            if (c === '"' && line[i + 1] === '"') { current += '"'; i++; }
            else if (c === '"') quoted = false;
            else current += c;
        } else if (c === '"') quoted = true;
        else if (c === ",") { fields.push(current); current = ""; }
        else current += c;
    }
    fields.push(current);
    return fields;
}

const isZip = text => /^(\d{5}|\d{9}|\d{5}-\d{4})$/.test(text);

/** Ounces with at most one decimal ("3.5") as tenths of an ounce, more than 0 and at most 1120 (ShipmentUnits.ParseWeightOz); else null. */
function weightTenths(text) {
    const m = /^\s*(\d{1,4})(?:\.(\d))?\s*$/.exec(text ?? "");
    const tenths = m ? Number(m[1]) * 10 + Number(m[2] ?? 0) : 0;
    return tenths > 0 && tenths <= 11200 ? tenths : null;
}

/** "LxWxH" in inches with at most two decimals as hundredths of an inch, each more than 0 and at most 108 (ShipmentUnits.ParseDims); else null. */
function sidesHundredths(text) {
    const parts = (text ?? "").split(/[xX]/);
    if (parts.length !== 3) return null;
    const sides = parts.map(p => {
        const m = /^\s*(\d{1,3})(?:\.(\d{1,2}))?\s*$/.exec(p);
        return m ? Number(m[1]) * 100 + Number((m[2] ?? "").padEnd(2, "0")) : 0;
    });
    return sides.every(h => h > 0 && h <= 10800) ? sides : null;
}

/**
 * The rows of a batch file, every one checked before anything is printed (as the CLI's BatchFile does): columns to,
 * class, and weight or postage; optional item and format. A row whose 'to' is an address line (quoted: it has commas)
 * is a shipping label: it needs a weight, and may give 'from' (the sender's line; else the account's return address)
 * and 'dims' (LxWxH inches).
 */
function batchRows(text) {
    const lines = text.replace(/\r\n?/g, "\n").split("\n");
    const headerAt = lines.findIndex(l => l.trim().length > 0);
    if (headerAt < 0) throw new Failure("ValidationFailed", "the file is empty: it needs a header line (to,class,weight) and one row per label");
    const header = csvFields(lines[headerAt]).map(h => h.trim().toLowerCase());
    const column = name => header.indexOf(name);
    const [to, cls, weight, postage, item, format, from, dims] = ["to", "class", "weight", "postage", "item", "format", "from", "dims"].map(column);
    if (to < 0 || cls < 0 || (weight < 0 && postage < 0))
        throw new Failure("ValidationFailed", `line ${headerAt + 1}: the header needs the columns to, class and weight or postage (it has: ${header.join(", ")})`);
    const rows = [], errors = [];
    for (let i = headerAt + 1; i < lines.length; i++) {
        if (lines[i].trim().length === 0) continue;
        const f = csvFields(lines[i]);
        const at = c => (c >= 0 && c < f.length && f[c].trim().length > 0 ? f[c].trim() : null);
        const line = i + 1;
        const dest = at(to), mailClass = at(cls)?.toUpperCase();
        if (!dest) { errors.push(`line ${line}: 'to' (the destination ZIP or the recipient's address line) is empty`); continue; }
        if (!mailClass) { errors.push(`line ${line}: 'class' is empty`); continue; }
        let postageMills = null;
        if (at(postage) !== null) {
            try { postageMills = mills(at(postage)); } catch { postageMills = 0; }
            if (postageMills <= 0) { errors.push(`line ${line}: postage '${at(postage)}' is not an amount in dollars like 0.78`); continue; }
        }
        const weightOz = at(weight);
        if (postageMills === null && !(weightOz && /^\d+(\.\d+)?$/.test(weightOz) && Number(weightOz) > 0)) {
            errors.push(`line ${line}: give a weight in ounces (like 3.5) or a postage in dollars`);
            continue;
        }
        const fmt = at(format)?.toLowerCase() ?? "pdf";
        if (fmt !== "pdf" && fmt !== "png") { errors.push(`line ${line}: format '${fmt}' is one of pdf, png in the browser`); continue; }
        const row = { line, zip: dest, mailClass, postageMills, weightOz, itemKind: at(item) ?? "postage", format: fmt };
        if (!isZip(dest)) {
            row.zip = null;
            row.shipment = { to: dest, from: at(from), tenths: weightTenths(weightOz), dims: at(dims), sides: at(dims) === null ? null : sidesHundredths(at(dims)) };
            if (row.shipment.tenths === null) { errors.push(`line ${line}: a shipping label (to an address) needs a weight in ounces with at most one decimal, at most 1120`); continue; }
            if (at(dims) !== null && row.shipment.sides === null) { errors.push(`line ${line}: dims '${at(dims)}' is LxWxH in inches (like 12x10x4.5)`); continue; }
            if (row.shipment.from !== null && isZip(row.shipment.from)) { errors.push(`line ${line}: from is the sender's address line, name first, not a ZIP`); continue; }
        } else if (at(from) !== null || at(dims) !== null) {
            errors.push(`line ${line}: from and dims go with a recipient address in 'to'`);
            continue;
        }
        rows.push(row);
    }
    if (errors.length > 0) throw new Failure("ValidationFailed", errors.join("; ") + "; nothing was printed");
    if (rows.length === 0) throw new Failure("ValidationFailed", "the file has a header but no rows");
    return rows;
}

/** The server's rate for a row given by weight, from the meter's licensing ZIP (the indicium's origin). */
async function rate(row) {
    const query = new URLSearchParams({ from: page.dataset.licensingZip ?? "", to: row.zip.slice(0, 5), weightOz: row.weightOz, class: row.mailClass });
    const quote = await api("GET", "/v1/rates?" + query);
    return quote.quotes[0].postageMills;
}

// ---- addresses for a shipment: the matching service's candidates, as the CLI takes them ------------------------------

/** A match candidate's address as a shipment carries it (ShipmentAddress.FromCandidate); it needs a name. */
function candidateAddress(candidate) {
    const a = candidate.address;
    if (!a.name) throw new Failure("ValidationFailed", "a shipment address needs a name: put it first ('Jane Roe, 1 Main St, City ST 12345')");
    if (!a.city || !a.state || !a.zip) throw new Failure("ValidationFailed", "a shipment address needs a city, a state and a ZIP");
    try {
        return vbi.shippingAddress({ name: a.name, company: a.company, street: a.deliveryLine, city: a.city, state: a.state, zip5: a.zip, zip4: a.zipPlus4 });
    } catch (e) {
        throw new Failure("ValidationFailed", e.message);
    }
}

const addressLine = a => [a.name, a.company, a.street, a.street2, `${a.city} ${a.state} ${a.zip5}${a.zip4 ? "-" + a.zip4 : ""}`].filter(Boolean).join(", ");

/** The candidates for one line, best first; a line that matches nothing fails with the server's code. */
async function candidatesFor(line, what) {
    try {
        return (await api("POST", "/v1/addresses/match", { line })).candidates;
    } catch (e) {
        throw new Failure(e.code, `${what}: ${e.message}`, e.problem);
    }
}

/** One line matched exactly (the CLI's rule for a line nobody picked from): the best candidate, or why not. */
async function exactAddress(line, what) {
    const best = (await candidatesFor(line, what))[0];
    if (best.type !== "Exact")
        throw new Failure("AddressNotMatched", `${what}: '${line}' is not exact; did you mean '${[best.address.name, best.address.deliveryLine, best.address.lastLine].filter(Boolean).join(", ")}'?`);
    return candidateAddress(best);
}

/** The sender: a line given (matched exactly), or the account's return address. */
async function senderAddress(line) {
    if (line) return exactAddress(line, "from");
    const me = await api("GET", "/v1/customers/me");
    if (!me.returnAddress)
        throw new Failure("NoSender", "no sender: give the sender's address line, or set the account's return address (vbi return-address 'ONE LINE')");
    const a = me.returnAddress;
    return vbi.shippingAddress({ name: a.name, company: a.company, street: a.street, street2: a.street2, city: a.city, state: a.state, zip5: a.zip5, zip4: a.zip4 });
}

/** The rate quotes of a shipment, cheapest first (one class, or every class that takes it). */
async function shipmentRates(from, to, weightOz, dims, mailClass = null) {
    const query = new URLSearchParams({ from: from.zip5, to: to.zip5, weightOz });
    if (dims) query.set("dims", dims);
    if (mailClass) query.set("class", mailClass);
    return api("GET", "/v1/rates?" + query);
}

// The module answers one request at a time per meter: rows are printed one after another, and a run stops at the
// first refusal that needs a new log-in (every later row would be refused the same way).
const BATCH_STOPS = new Set(["SessionEnded", "MeterPasswordNeeded", "MeterKeyMissing", ...SESSION_GONE]);

async function printBatch(form) {
    const meterId = page.dataset.meterId;
    const file = form.querySelector("#batch-file").files[0];
    if (!file) throw new Failure("ValidationFailed", "choose a CSV file");
    const limit = Number(page.dataset.batchLimit);
    // A row is well under 1 KiB: a larger file is refused before it is read.
    if (file.size > limit * 1024) throw new Failure("ValidationFailed", `a batch has at most ${limit} rows; this file is too large`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const rows = batchRows(new TextDecoder().decode(bytes));
    if (rows.length > limit) throw new Failure("ValidationFailed", `a batch has at most ${limit} rows (Vbi:Portal:BatchRowLimit); this one has ${rows.length}; nothing was printed`);
    // Keys from the file's bytes and the row, as the CLI makes them: the same file sent again prints nothing twice.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    const batchId = Array.from(digest.slice(0, 8), b => b.toString(16).padStart(2, "0")).join("");

    const area = page.querySelector("[data-vbi=batch]");
    const progress = area.querySelector("progress");
    const count = area.querySelector("[data-vbi=batch-count]");
    const list = area.querySelector("[data-vbi=batch-rows]");
    area.hidden = false;
    list.replaceChildren();
    progress.max = rows.length;
    let printed = 0, refused = 0;
    const tally = done => {
        progress.value = done;
        count.textContent = `${done} of ${rows.length} rows done: ${printed} printed, ${refused} refused.`;
    };
    tally(0);
    for (let i = 0; i < rows.length; i++) {
        const row = rows[i];
        const item = document.createElement("li");
        try {
            let t, where;
            if (row.shipment) {
                // Matched before anything is signed: a row whose address does not match is refused and charges nothing.
                const s = row.shipment;
                const from = await senderAddress(s.from);
                const to = await exactAddress(s.to, "to");
                const amount = row.postageMills ?? (await shipmentRates(from, to, row.weightOz, s.dims, row.mailClass)).quotes[0].postageMills;
                t = vbi.transactions.print(amount, to.zip5, row.mailClass, row.itemKind, vbi.shipment(from, to, s.tenths, s.sides));
                where = addressLine(to);
            } else {
                t = vbi.transactions.print(row.postageMills ?? await rate(row), row.zip, row.mailClass, row.itemKind);
                where = row.zip;
            }
            const result = await transact(meterId, "prints", t, `batch-${batchId}-${row.line}`, { format: row.format });
            printed++;
            const link = document.createElement("a");
            link.href = `/meters/${encodeURIComponent(meterId)}/labels/${encodeURIComponent(result.indiciumId)}` + (row.format === "png" ? "?format=png" : "");
            link.textContent = `the label of ${result.indiciumId}`;
            item.dataset.outcome = "printed";
            item.append(`Line ${row.line}: printed ${result.amount} to ${where}${result.trackingNumber ? `, tracking ${result.trackingNumber}` : ""}: `, link, ".");
            offerRefund(result.indiciumId, `${result.indiciumId} (${result.amount} to ${t.destinationZip})`);
        } catch (e) {
            refused++;
            const code = document.createElement("span");
            code.className = "code";
            code.textContent = e.code ?? "Failed";
            item.dataset.outcome = "refused";
            item.append(`Line ${row.line}: refused `, code, " " + e.message);
            if (BATCH_STOPS.has(e.code)) {
                list.append(item);
                tally(i + 1);
                throw e;
            }
        }
        list.append(item);
        tally(i + 1);
    }
    show(`Printed ${printed} of ${rows.length} rows${refused ? `; ${refused} refused (each is listed)` : ""}.`);
}

// ---- a shipping label: addresses matched, a candidate and a rate chosen, the shipment signed with the print ---------

const shipping = { from: null, candidates: [], to: null, weightOz: null, tenths: null, dims: null, sides: null, quotes: [] };

/** Radio buttons in <fieldset>, one per choice, the first chosen; returns nothing (the choice is read back by index). */
function choices(fieldset, name, texts) {
    fieldset.querySelectorAll("div").forEach(d => d.remove());
    texts.forEach((text, n) => {
        const id = `${name}-${n}`;
        const input = document.createElement("input");
        input.type = "radio";
        input.name = name; // groups the buttons; the page never posts this form
        input.id = id;
        input.value = String(n);
        input.checked = n === 0;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.textContent = text;
        const line = document.createElement("div");
        line.append(input, " ", label);
        fieldset.append(line);
    });
    fieldset.hidden = texts.length === 0;
}

const chosen = name => Number(page.querySelector(`input[name=${name}]:checked`)?.value ?? -1);

async function matchShipment(form) {
    const toLine = form.querySelector("#ship-to").value.trim();
    if (!toLine) throw new Failure("ValidationFailed", "give the recipient's address on one line, name first");
    const from = await senderAddress(form.querySelector("#ship-from").value.trim());
    const candidates = await candidatesFor(toLine, "to");
    Object.assign(shipping, { from, candidates, to: null, quotes: [] });
    choices(page.querySelector("[data-vbi=candidates]"), "ship-candidate", candidates.map(c =>
        `${c.rank}. ${c.type}: ${[c.address.name, c.address.company, c.address.deliveryLine, c.address.lastLine].filter(Boolean).join(", ")}`
        + (c.changes.length ? ` (${c.changes.map(x => `${x.field} ${x.kind.toLowerCase()}`).join("; ")})` : "")));
    choices(page.querySelector("[data-vbi=quotes]"), "ship-quote", []);
    show(`From ${addressLine(from)}. Choose the recipient among ${candidates.length} candidate${candidates.length === 1 ? "" : "s"}, then shop rates.`);
}

async function shopShipment(form) {
    const candidate = shipping.candidates[chosen("ship-candidate")];
    if (!shipping.from || !candidate) throw new Failure("ValidationFailed", "match the addresses first, and choose the recipient");
    const to = candidateAddress(candidate);
    const weightOz = form.querySelector("#ship-weight").value.trim();
    const tenths = weightTenths(weightOz);
    if (tenths === null) throw new Failure("InvalidWeight", "give the weight in ounces with at most one decimal, more than 0 and at most 1120 (70 lb)");
    const dims = form.querySelector("#ship-dims").value.trim() || null;
    const sides = dims === null ? null : sidesHundredths(dims);
    if (dims !== null && sides === null) throw new Failure("InvalidDimensions", `'${dims}' is not LxWxH in inches (like 12x10x4.5), each more than 0 and at most 108`);
    const rates = await shipmentRates(shipping.from, to, weightOz, dims);
    Object.assign(shipping, { to, weightOz, tenths, dims, sides, quotes: rates.quotes });
    choices(page.querySelector("[data-vbi=quotes]"), "ship-quote", rates.quotes.map(q => `${q.mailClass}: ${q.postage} (${q.shape}, zone ${q.zone})`));
    show(`${rates.quotes.length} classes take it from ${shipping.from.zip5} to ${to.zip5}, cheapest first: choose one and print.`);
}

async function printShipment(form) {
    const meterId = page.dataset.meterId;
    const quote = shipping.quotes[chosen("ship-quote")];
    if (!shipping.to || !quote) throw new Failure("ValidationFailed", "shop rates first, and choose one");
    const t = vbi.transactions.print(quote.postageMills, shipping.to.zip5, quote.mailClass, "postage",
        vbi.shipment(shipping.from, shipping.to, shipping.tenths, shipping.sides));
    const label = { format: form.querySelector("#ship-format").value };
    const result = await transact(meterId, "prints", t, formKey(form, [t, label]), label);
    forgetKey(form);
    offerLabel(result);
    const again = page.querySelector("[data-vbi=label] p");
    const link = document.createElement("a");
    link.href = `/meters/${encodeURIComponent(meterId)}/labels/${encodeURIComponent(result.indiciumId)}`;
    link.textContent = "the label again from the meter's history";
    again?.append(" (or ", link, ")");
    show(`Printed indicium ${result.indiciumId} for ${result.amount} ${quote.mailClass} to ${addressLine(shipping.to)}; tracking ${result.trackingNumber}.`);
}

// ---- the meter password and the withdrawal ---------------------------------------------------------------------------

async function changePassword(form) {
    const meterId = page.dataset.meterId;
    const current = form.querySelector("#password-current").value;
    const next = form.querySelector("#password-new").value;
    if (next !== form.querySelector("#password-new-again").value) throw new Failure("ValidationFailed", "the two new passwords differ");
    if (!current) throw new Failure("ValidationFailed", "give the current password");
    const record = await meterRecord(meterId);
    let request;
    try {
        request = await vbi.passwordChangeRequest(meterId, record.hmk, current, next);
    } catch (e) {
        throw new Failure(e.code, e.message);
    }
    try {
        await api("POST", meterPath(meterId) + "/password", request, newKey());
    } catch (e) {
        // A wrong current password ends the meter's session on the module's side too.
        if (e.code === "WrongPassword") await store(DB.meters, { ...record, chain: null });
        throw e;
    }
    // The session opened with the old password is closed: the next request logs in with the new one.
    await api("DELETE", meterPath(meterId) + "/sessions/current");
    await store(DB.meters, { ...record, chain: null });
    form.reset();
    show(`The password of meter ${meterId} is changed; its session is closed, so the next request opens one with the new password.`);
}

async function withdraw(form) {
    const meterId = page.dataset.meterId;
    if (!form.querySelector("#withdraw-confirm").checked) throw new Failure("ValidationFailed", "a withdrawal is final: tick the box to confirm it");
    const result = await transact(meterId, "withdrawal", vbi.transactions.withdraw(), formKey(form, "withdraw"));
    forgetKey(form);
    page.dataset.withdrawn = "true";
    for (const button of page.querySelectorAll("form button")) button.disabled = true;
    show(`Meter ${meterId} is withdrawn: ${result.amount} of unused postage is paid back to the account; the meter prints no more.`);
}

// ---- wiring ----------------------------------------------------------------------------------------------------------

const forms = {
    "register-meter": register, "buy-postage": buy, "print-label": print, "refund-indicium": refund, "print-batch": printBatch,
    "match-shipment": matchShipment, "shop-shipment": shopShipment, "print-shipment": printShipment,
    "change-password": changePassword, "withdraw-meter": withdraw,
};
for (const [id, action] of Object.entries(forms)) {
    const form = document.getElementById(id);
    if (form) busy(form, action);
}
// The session form only holds the password; Enter in it must not reload the page.
document.getElementById("meter-session")?.addEventListener("submit", event => event.preventDefault());
page.dataset.vbiReady = "true";
