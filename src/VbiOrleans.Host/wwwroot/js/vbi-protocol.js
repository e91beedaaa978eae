// The client side of the client ↔ module protocol (docs/client-protocol.md) in the browser, with WebCrypto only:
// the same bytes as src/VbiOrleans.Protocol (tests/VbiOrleans.Protocol.Tests/Vectors/client-protocol.json proves it).
// No I/O here: the page module (vbi-portal.js) does the fetches and keeps the keys.
//
// The HMK is two non-extractable CryptoKeys made from one 32-byte secret: an HMAC-SHA256 key (request and response
// MACs) and an HKDF key (the login key). WebCrypto cannot derive with an HMAC key nor MAC with an HKDF key, and a
// key it made itself could not be sealed into the registration envelope without being extractable, so the secret
// exists as bytes only while the envelope is sealed and both keys are imported; then it is zeroed.

const VERSION = 1;
// The message types whose binary encoding the client computes (MessageType in ProtocolConstants.cs).
const MESSAGE = { loginResponse: 0x05, signedRequest: 0x06, signedResponse: 0x07, transactionBody: 0x08 };
export const TAGS = {
    register: "VBI-REGISTER-V1",
    transcript: "VBI-REGISTER-TRANSCRIPT-V1",
    envelopeKey: "VBI-REGISTER-ENVELOPE-V1",
    loginKey: "VBI-LOGIN-KEY-V1",
    login: "VBI-LOGIN-V1",
    loginResponse: "VBI-LOGIN-RESP-V1",
    request: "VBI-REQ-V1",
    response: "VBI-RESP-V1",
    passwordKey: "VBI-PASSWORD-KEY-V1",
    password: "VBI-PASSWORD-V1",
};
const SIZES = { challenge: 32, sessionId: 16, mac: 32, hmk: 32, point: 65, signature: 64, gcmTag: 16, gcmNonce: 12, passwordBytes: 512 };
const PASSWORD = { min: 10, max: 128 };

/** A refusal with a stable name, as the .NET side names it (RegistrationError, LoginVerdict, ResponseVerdict, …). */
export class ProtocolError extends Error {
    constructor(code, message) {
        super(message);
        this.name = "ProtocolError";
        this.code = code;
    }
}

const subtle = () => globalThis.crypto.subtle;
const strictUtf8 = new TextEncoder();

// ---- bytes ------------------------------------------------------------------------------------------------------

export function fromBase64(text) {
    if (typeof text !== "string" || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text))
        throw new ProtocolError("InvalidField", "not standard base64 with padding");
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
}

export function toBase64(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
}

function exact(bytes, size, field) {
    if (!(bytes instanceof Uint8Array) || bytes.length !== size) throw new ProtocolError("InvalidField", `${field} must be ${size} bytes`);
    return bytes;
}

function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
}

/** The wire encoding of §1: fixed-width little-endian integers, u16-length strict UTF-8 text, fixed byte fields. */
class Writer {
    constructor() {
        this.parts = [];
        this.length = 0;
    }

    raw(bytes) {
        this.parts.push(bytes);
        this.length += bytes.length;
        return this;
    }

    byte(value) {
        return this.raw(Uint8Array.of(value));
    }

    header(type) {
        return this.byte(type).byte(VERSION);
    }

    u16(value) {
        const b = new Uint8Array(2);
        new DataView(b.buffer).setUint16(0, value, true);
        return this.raw(b);
    }

    i32(value) {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setInt32(0, value, true);
        return this.raw(b);
    }

    i64(value) {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigInt64(0, BigInt(value), true);
        return this.raw(b);
    }

    text(value) {
        if (!isWellFormed(value)) throw new ProtocolError("InvalidField", "a text has a lone surrogate");
        const bytes = strictUtf8.encode(value);
        if (bytes.length > 0xffff) throw new ProtocolError("InvalidField", "a text is longer than 65535 bytes");
        return this.u16(bytes.length).raw(bytes);
    }

    fixed(bytes, size, field) {
        return this.raw(exact(bytes, size, field));
    }

    blob(bytes) {
        return this.u16(bytes.length).raw(bytes);
    }

    bytes() {
        const out = new Uint8Array(this.length);
        let at = 0;
        for (const p of this.parts) {
            out.set(p, at);
            at += p.length;
        }
        return out;
    }
}

function isWellFormed(text) {
    return typeof text === "string" && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

async function sha256(bytes) {
    return new Uint8Array(await subtle().digest("SHA-256", bytes));
}

export function randomBytes(size) {
    return globalThis.crypto.getRandomValues(new Uint8Array(size));
}

// ---- passwords (PasswordPolicy, PasswordText) ---------------------------------------------------------------------

/** The client's check before sealing, as PasswordPolicy.Check: the stable violation name, or "None". */
export function checkPassword(password) {
    if (typeof password !== "string") return "TooShort";
    // char.IsControl: C0, DEL and C1 controls.
    if (!isWellFormed(password) || /[\u0000-\u001f\u007f-\u009f]/.test(password)) return "InvalidCharacter";
    const scalars = Array.from(password);
    if (scalars.length < PASSWORD.min) return "TooShort";
    if (scalars.length > PASSWORD.max) return "TooLong";
    return scalars.every(c => c === scalars[0]) ? "OneRepeatedCharacter" : "None";
}

/** u16 length, the UTF-8 bytes, zeros to 2 + 512 bytes: the length of the password is hidden. */
function paddedPassword(password) {
    if (!isWellFormed(password)) throw new ProtocolError("InvalidCharacter", "the password has a lone surrogate");
    const bytes = strictUtf8.encode(password);
    if (bytes.length > SIZES.passwordBytes) throw new ProtocolError("TooLong", "the password is too long");
    const padded = new Uint8Array(2 + SIZES.passwordBytes);
    new DataView(padded.buffer).setUint16(0, bytes.length, true);
    padded.set(bytes, 2);
    bytes.fill(0);
    return padded;
}

// ---- keys -----------------------------------------------------------------------------------------------------------

/** The pinned module identity key (SubjectPublicKeyInfo DER, what GET /v1/module/identity gives) for ECDSA P-256 verification. */
export function importModuleKey(spki) {
    return subtle().importKey("spki", spki, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
}

/**
 * The HMK as the browser keeps it: { hmac, hkdf }, both non-extractable. The caller zeroes <hmk> afterwards.
 */
export async function importHmk(hmk) {
    exact(hmk, SIZES.hmk, "hmk");
    if (hmk.every(b => b === 0)) throw new ProtocolError("InvalidHmk", "an HMK of zeros");
    const hmac = await subtle().importKey("raw", hmk, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    const hkdf = await subtle().importKey("raw", hmk, "HKDF", false, ["deriveBits"]);
    return { hmac, hkdf };
}

async function hmac(hmk, bytes) {
    return new Uint8Array(await subtle().sign("HMAC", hmk.hmac, bytes));
}

async function hkdfKeyAndNonce(ikmKey, salt, info) {
    const okm = new Uint8Array(await subtle().deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, ikmKey, (32 + SIZES.gcmNonce) * 8));
    const key = await subtle().importKey("raw", okm.subarray(0, 32), "AES-GCM", false, ["encrypt"]);
    const nonce = okm.slice(32);
    okm.fill(0);
    return { key, nonce };
}

/** AES-256-GCM with a 16-byte tag: WebCrypto gives ciphertext || tag, the protocol carries them apart. */
async function seal(key, nonce, plaintext, additionalData) {
    const out = new Uint8Array(await subtle().encrypt({ name: "AES-GCM", iv: nonce, additionalData, tagLength: 128 }, key, plaintext));
    return { ciphertext: out.slice(0, out.length - SIZES.gcmTag), tag: out.slice(out.length - SIZES.gcmTag) };
}

// ---- registration (§2) -----------------------------------------------------------------------------------------------

/** A RegistrationRequest in its JSON form: a fresh client challenge for <meterId>. */
export function registrationRequest(meterId, clientChallenge = randomBytes(SIZES.challenge)) {
    exact(clientChallenge, SIZES.challenge, "clientChallenge");
    return { version: VERSION, meterId, clientChallenge: toBase64(clientChallenge) };
}

/** The bytes the module's identity key signs (ECDSA with SHA-256 over them = the HSM's signature of their digest). */
export function registrationSignedBytes(meterId, clientChallenge, moduleEphemeralKey) {
    return new Writer().text(TAGS.register).byte(VERSION).text(meterId)
        .fixed(clientChallenge, SIZES.challenge, "clientChallenge").fixed(moduleEphemeralKey, SIZES.point, "moduleEphemeralKey").bytes();
}

/** RegistrationClient.VerifyResponse: "None", or MeterMismatch, ChallengeMismatch, BadSignature. */
export async function verifyRegistrationResponse(request, response, moduleKey) {
    if (response?.version !== VERSION) return "Malformed";
    if (response.meterId !== request.meterId) return "MeterMismatch";
    const clientChallenge = fromBase64(request.clientChallenge);
    if (!equalBytes(fromBase64(response.clientChallenge), clientChallenge)) return "ChallengeMismatch";
    const moduleEphemeralKey = exact(fromBase64(response.moduleEphemeralKey), SIZES.point, "moduleEphemeralKey");
    const signature = exact(fromBase64(response.signature), SIZES.signature, "signature");
    const ok = await subtle().verify({ name: "ECDSA", hash: "SHA-256" }, moduleKey, signature,
        registrationSignedBytes(request.meterId, clientChallenge, moduleEphemeralKey));
    return ok ? "None" : "BadSignature";
}

/**
 * RegistrationClient.Seal: verifies the answer against the pinned key again, checks HMK and password, then seals
 * version | HMK | padded password to the module's signed ephemeral key (ECDH P-256, HKDF-SHA256, AES-256-GCM with the
 * transcript hash as associated data). Returns the RegistrationEnvelope's JSON form. <clientEphemeral> is an ECDH
 * CryptoKeyPair; a fresh one is made unless a test vector gives one.
 */
export async function sealRegistration(request, response, moduleKey, hmk, password, clientEphemeral = null) {
    const verified = await verifyRegistrationResponse(request, response, moduleKey);
    if (verified !== "None") throw new ProtocolError(verified, `the module's registration answer does not verify under the pinned module key (${verified})`);
    exact(hmk, SIZES.hmk, "hmk");
    if (hmk.every(b => b === 0)) throw new ProtocolError("InvalidHmk", "an HMK of zeros");
    const violation = checkPassword(password);
    if (violation !== "None") throw new ProtocolError("PasswordRejected", `the password is refused: ${violation}`);

    const pair = clientEphemeral ?? await subtle().generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
    const clientKey = new Uint8Array(await subtle().exportKey("raw", pair.publicKey));
    const clientChallenge = fromBase64(request.clientChallenge);
    const moduleEphemeralKey = fromBase64(response.moduleEphemeralKey);
    const transcript = await sha256(new Writer().text(TAGS.transcript).byte(VERSION).text(request.meterId)
        .fixed(clientChallenge, SIZES.challenge, "clientChallenge").fixed(moduleEphemeralKey, SIZES.point, "moduleEphemeralKey")
        .fixed(clientKey, SIZES.point, "clientEphemeralKey").bytes());
    const peer = await subtle().importKey("raw", moduleEphemeralKey, { name: "ECDH", namedCurve: "P-256" }, false, []);
    const shared = new Uint8Array(await subtle().deriveBits({ name: "ECDH", public: peer }, pair.privateKey, 256));
    const ikm = await subtle().importKey("raw", shared, "HKDF", false, ["deriveBits"]);
    shared.fill(0);
    const info = new Writer().text(TAGS.envelopeKey).text(request.meterId).fixed(transcript, 32, "transcript").bytes();
    const { key, nonce } = await hkdfKeyAndNonce(ikm, clientChallenge, info);

    const padded = paddedPassword(password);
    const plain = new Uint8Array(1 + SIZES.hmk + padded.length);
    plain[0] = VERSION;
    plain.set(hmk, 1);
    plain.set(padded, 1 + SIZES.hmk);
    padded.fill(0);
    const { ciphertext, tag } = await seal(key, nonce, plain, transcript);
    plain.fill(0);
    return { version: VERSION, meterId: request.meterId, clientEphemeralKey: toBase64(clientKey), ciphertext: toBase64(ciphertext), tag: toBase64(tag) };
}

/** An ECDH key pair from a private scalar and its public point (test vectors only: a real one is always fresh). */
export async function ecdhKeyPair(privateScalar, publicPoint) {
    const b64url = bytes => toBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const jwk = { kty: "EC", crv: "P-256", x: b64url(publicPoint.subarray(1, 33)), y: b64url(publicPoint.subarray(33, 65)), d: b64url(privateScalar), ext: false };
    const privateKey = await subtle().importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
    const publicKey = await subtle().importKey("raw", publicPoint, { name: "ECDH", namedCurve: "P-256" }, true, []);
    return { privateKey, publicKey };
}

// ---- login (§4) -------------------------------------------------------------------------------------------------------

/** LoginClient.CreateRequest: the password sealed under a key only the HMK holder derives. The LoginRequest JSON form. */
export async function loginRequest(meterId, hmk, password, clientChallenge = randomBytes(SIZES.challenge)) {
    exact(clientChallenge, SIZES.challenge, "clientChallenge");
    const info = new Writer().text(TAGS.loginKey).text(meterId).bytes();
    const { key, nonce } = await hkdfKeyAndNonce(hmk.hkdf, clientChallenge, info);
    const aad = new Writer().text(TAGS.login).byte(VERSION).text(meterId).fixed(clientChallenge, SIZES.challenge, "clientChallenge").bytes();
    const padded = paddedPassword(password);
    const { ciphertext, tag } = await seal(key, nonce, padded, aad);
    padded.fill(0);
    return { version: VERSION, meterId, clientChallenge: toBase64(clientChallenge), sealedPassword: toBase64(ciphertext), tag: toBase64(tag) };
}

/**
 * LoginClient.Complete: the response's MAC under the HMK, then that it answers this request. Returns the chain state
 * { meterId, sessionId, challenge, ascendingMills, descendingMills } (base64 and numbers), or throws BadMac /
 * NotForThisRequest.
 */
export async function completeLogin(request, response, hmk) {
    if (response?.version !== VERSION) throw new ProtocolError("Malformed", "the login answer is malformed");
    const unsigned = new Writer().header(MESSAGE.loginResponse).text(response.meterId)
        .fixed(fromBase64(response.clientChallenge), SIZES.challenge, "clientChallenge")
        .fixed(fromBase64(response.sessionId), SIZES.sessionId, "sessionId")
        .fixed(fromBase64(response.challenge), SIZES.challenge, "challenge")
        .i64(register(response.ascendingMills)).i64(register(response.descendingMills)).bytes();
    const macInput = new Writer().text(TAGS.loginResponse).raw(unsigned).bytes();
    if (!await subtle().verify("HMAC", hmk.hmac, exact(fromBase64(response.mac), SIZES.mac, "mac"), macInput))
        throw new ProtocolError("BadMac", "the login answer does not verify under the HMK");
    if (response.meterId !== request.meterId || response.clientChallenge !== request.clientChallenge)
        throw new ProtocolError("NotForThisRequest", "the login answer answers another request");
    return {
        meterId: response.meterId, sessionId: response.sessionId, challenge: response.challenge,
        ascendingMills: response.ascendingMills, descendingMills: response.descendingMills,
    };
}

// ---- password change (§4b) ------------------------------------------------------------------------------------------

/**
 * PasswordChange.CreateRequest: the current and the new password, each padded, sealed together under a key only the
 * HMK holder derives (HKDF-SHA256 with the "VBI-PASSWORD-KEY-V1" tag), so only the module reads either. The new one is
 * checked against the policy first (PasswordRejected); the module checks it against the last N. The
 * PasswordChangeRequest JSON form.
 */
export async function passwordChangeRequest(meterId, hmk, currentPassword, newPassword, clientChallenge = randomBytes(SIZES.challenge)) {
    const violation = checkPassword(newPassword);
    if (violation !== "None") throw new ProtocolError("PasswordRejected", `the new password is refused: ${violation}`);
    exact(clientChallenge, SIZES.challenge, "clientChallenge");
    const info = new Writer().text(TAGS.passwordKey).text(meterId).bytes();
    const { key, nonce } = await hkdfKeyAndNonce(hmk.hkdf, clientChallenge, info);
    const aad = new Writer().text(TAGS.password).byte(VERSION).text(meterId).fixed(clientChallenge, SIZES.challenge, "clientChallenge").bytes();
    const current = paddedPassword(currentPassword);
    const next = paddedPassword(newPassword);
    const plain = new Uint8Array(current.length + next.length);
    plain.set(current, 0);
    plain.set(next, current.length);
    current.fill(0);
    next.fill(0);
    const { ciphertext, tag } = await seal(key, nonce, plain, aad);
    plain.fill(0);
    return { version: VERSION, meterId, clientChallenge: toBase64(clientChallenge), sealedPasswords: toBase64(ciphertext), tag: toBase64(tag) };
}

function register(value) {
    if (!Number.isSafeInteger(value) || value < 0) throw new ProtocolError("InvalidField", "a register is a non-negative integer of mills");
    return value;
}

// ---- operational state (§5) ---------------------------------------------------------------------------------------------

/** The transactions the portal signs, in the JSON form the API takes (unused fields null). */
export const transactions = {
    postageValueDownload: (amountMills, paymentReference) => transaction("pvd", amountMills, { paymentReference }),
    /** A print; with <shipment> (from shipment(…)) a shipping label, the shipment signed with the rest. */
    print: (amountMills, destinationZip, mailClass, itemKind = "postage", shipment = null) =>
        transaction("print", amountMills, { destinationZip, mailClass, itemKind, shipment }),
    refund: indiciumId => transaction("refund", 0, { indiciumId }),
    withdraw: () => transaction("withdraw", 0, {}),
};

function transaction(kind, amountMills, fields) {
    if (!Number.isSafeInteger(amountMills)) throw new ProtocolError("InvalidField", "amountMills is an integer of mills");
    return {
        kind, amountMills, destinationZip: fields.destinationZip ?? null, mailClass: fields.mailClass ?? null, itemKind: fields.itemKind ?? null,
        indiciumId: fields.indiciumId ?? null, paymentReference: fields.paymentReference ?? null, shipment: fields.shipment ?? null,
    };
}

const SHIPMENT = { maxWeightTenthsOz: 11200, maxSideHundredths: 10800, maxDeclaredValueMills: 5_000_000 };

/**
 * A standardized address as a shipment carries it (ShippingAddress), in its JSON form: name 1-40, company 0-40,
 * street lines 1-48, city 1-28, a two-letter state, a 5-digit ZIP, the ZIP+4 add-on or nothing; empty optional
 * fields are null.
 */
export function shippingAddress({ name, company = null, street, street2 = null, city, state, zip5, zip4 = null }) {
    const required = (value, max, field) => {
        if (typeof value !== "string" || value.length === 0 || value.trim() !== value || value.length > max)
            throw new ProtocolError("InvalidField", `${field}: 1 to ${max} characters, no surrounding spaces`);
        return value;
    };
    const optional = (value, max, field) => {
        if (value == null || value === "") return null;
        if (typeof value !== "string" || value.length > max) throw new ProtocolError("InvalidField", `${field}: at most ${max} characters`);
        return value;
    };
    if (!/^[A-Z]{2}$/.test(state ?? "")) throw new ProtocolError("InvalidField", "state: two capital letters");
    if (!/^\d{5}$/.test(zip5 ?? "")) throw new ProtocolError("InvalidField", "zip5: five digits");
    if (zip4 != null && zip4 !== "" && !/^\d{4}$/.test(zip4)) throw new ProtocolError("InvalidField", "zip4: empty or four digits");
    return {
        name: required(name, 40, "name"), company: optional(company, 40, "company"), street: required(street, 48, "street"),
        street2: optional(street2, 48, "street2"), city: required(city, 28, "city"), state, zip5, zip4: zip4 || null,
    };
}

/**
 * What a print ships (ShipmentBody) in its JSON form: sender and recipient (shippingAddress), the weight in tenths of
 * an ounce, the sides in hundredths of an inch (any order; sorted longest first, one box one encoding) or none,
 * Signature Confirmation, and insurance's declared value in mills (null without).
 */
export function shipment(from, to, weightTenthsOz, dimensionsHundredths = null, signature = false, declaredValueMills = null) {
    if (!Number.isSafeInteger(weightTenthsOz) || weightTenthsOz < 1 || weightTenthsOz > SHIPMENT.maxWeightTenthsOz)
        throw new ProtocolError("InvalidField", "shipment.weightTenthsOz: 1 to 11200 tenths of an ounce");
    let sides = null;
    if (dimensionsHundredths != null) {
        sides = [...dimensionsHundredths].sort((a, b) => b - a);
        if (sides.length !== 3 || !sides.every(x => Number.isSafeInteger(x) && x > 0 && x <= SHIPMENT.maxSideHundredths))
            throw new ProtocolError("InvalidField", "shipment.dimensions: three sides, each more than 0 and at most 10800 hundredths of an inch");
    }
    if (declaredValueMills != null && !(Number.isSafeInteger(declaredValueMills) && declaredValueMills > 0 && declaredValueMills <= SHIPMENT.maxDeclaredValueMills))
        throw new ProtocolError("InvalidField", "shipment.declaredValueMills: 1 to 5000000 mills, given only with insurance");
    return { from, to, weightTenthsOz, dimensionsHundredths: sides, signature: signature === true, declaredValueMills };
}

function writeAddress(w, a) {
    return w.text(a.name).text(a.company ?? "").text(a.street).text(a.street2 ?? "").text(a.city).text(a.state).text(a.zip5).text(a.zip4 ?? "");
}

const ascii = v => v == null || /^[\x20-\x7e]*$/.test(v);

/** TransactionBody.Encode: every field present in order, unused ones empty; a print's shipment after the flag byte 1. */
export function encodeTransaction(t) {
    for (const v of [t.kind, t.destinationZip, t.mailClass, t.itemKind, t.indiciumId, t.paymentReference])
        if (!ascii(v)) throw new ProtocolError("InvalidField", "transaction text is printable ASCII");
    const w = new Writer().header(MESSAGE.transactionBody).text(t.kind).i64(t.amountMills).text(t.destinationZip ?? "").text(t.mailClass ?? "")
        .text(t.itemKind ?? "").text(t.indiciumId ?? "").text(t.paymentReference ?? "");
    const s = t.shipment;
    if (!s) return w.byte(0).bytes();
    if (t.kind !== "print") throw new ProtocolError("InvalidField", "only a print has a shipment");
    for (const a of [s.from, s.to])
        for (const v of Object.values(a)) if (!ascii(v)) throw new ProtocolError("InvalidField", "shipment text is printable ASCII");
    const [l, wd, h] = s.dimensionsHundredths ?? [0, 0, 0];
    writeAddress(writeAddress(w.byte(1), s.from), s.to);
    return w.i32(s.weightTenthsOz).i32(l).i32(wd).i32(h).byte(s.signature ? 1 : 0).i64(s.declaredValueMills ?? 0).bytes();
}

function requestUnsigned(meterId, state, idempotencyKey, t) {
    return new Writer().header(MESSAGE.signedRequest).text(meterId)
        .fixed(fromBase64(state.sessionId), SIZES.sessionId, "sessionId")
        .fixed(fromBase64(state.challenge), SIZES.challenge, "challenge")
        .i64(register(state.ascendingMills)).i64(register(state.descendingMills))
        .text(idempotencyKey).blob(encodeTransaction(t)).bytes();
}

/**
 * ChallengeChain.Sign: the transaction on the chain's current state (challenge, AR, DR) under the HMK. The SignedRequest
 * JSON form. HMAC is deterministic, so signing the same transaction with the same key on the same state is a retry.
 */
export async function signRequest(hmk, state, t, idempotencyKey) {
    if (typeof idempotencyKey !== "string" || idempotencyKey.length < 1 || idempotencyKey.length > 128 || /[\u0000-\u001f\u007f-\u009f]/.test(idempotencyKey))
        throw new ProtocolError("InvalidField", "an idempotency key is 1 to 128 characters, no control character");
    const unsigned = requestUnsigned(state.meterId, state, idempotencyKey, t);
    const mac = await hmac(hmk, new Writer().text(TAGS.request).raw(unsigned).bytes());
    return {
        version: VERSION, meterId: state.meterId, sessionId: state.sessionId, challenge: state.challenge,
        ascendingMills: state.ascendingMills, descendingMills: state.descendingMills, idempotencyKey, transaction: t, mac: toBase64(mac),
    };
}

/** The encoded SignedRequest (for test vectors: the bytes .NET's SignedRequest.Encode gives). */
export function encodeSignedRequest(request) {
    return new Writer().raw(requestUnsigned(request.meterId, request, request.idempotencyKey, request.transaction)).fixed(fromBase64(request.mac), SIZES.mac, "mac").bytes();
}

/** TransactionPayload.ForIndicium: "{indiciumId}\n{indicium base64}" (the base64 spelled canonically). */
export function indiciumPayload(indiciumId, indiciumBase64) {
    if (!indiciumId || indiciumId.includes("\n")) throw new ProtocolError("InvalidField", "an indicium id");
    return strictUtf8.encode(indiciumId + "\n" + toBase64(fromBase64(indiciumBase64)));
}

/**
 * ResponseAuthenticator.Verify then ChallengeChain.Apply: the response's MAC under the HMK (BadMac), that it answers
 * this request (NotForThisRequest), the payload's hash (PayloadMismatch), and that the request was signed on <state>
 * (ChainMoved). Returns the next chain state: the response's challenge and registers, also after a signed refusal.
 */
export async function applyResponse(hmk, state, request, response, payload = new Uint8Array(0)) {
    if (response?.version !== VERSION) throw new ProtocolError("Malformed", "the signed response is malformed");
    const unsigned = new Writer().header(MESSAGE.signedResponse).text(response.meterId)
        .fixed(fromBase64(response.sessionId), SIZES.sessionId, "sessionId")
        .fixed(fromBase64(response.requestMac), SIZES.mac, "requestMac")
        .i32(response.outcome).i64(register(response.ascendingMills)).i64(register(response.descendingMills))
        .fixed(fromBase64(response.nextChallenge), SIZES.challenge, "nextChallenge")
        .fixed(fromBase64(response.payloadHash), 32, "payloadHash").bytes();
    const macInput = new Writer().text(TAGS.response).raw(unsigned).bytes();
    if (!await subtle().verify("HMAC", hmk.hmac, exact(fromBase64(response.mac), SIZES.mac, "mac"), macInput))
        throw new ProtocolError("BadMac", "the module's response does not verify under the HMK");
    if (response.meterId !== request.meterId || response.sessionId !== request.sessionId || response.requestMac !== request.mac)
        throw new ProtocolError("NotForThisRequest", "the module's response answers another request");
    if (!equalBytes(await sha256(payload), fromBase64(response.payloadHash)))
        throw new ProtocolError("PayloadMismatch", "the indicium is not the one the module signed");
    if (request.sessionId !== state.sessionId || request.challenge !== state.challenge
        || request.ascendingMills !== state.ascendingMills || request.descendingMills !== state.descendingMills)
        throw new ProtocolError("ChainMoved", "the chain has moved on since this request was signed");
    return { ...state, challenge: response.nextChallenge, ascendingMills: response.ascendingMills, descendingMills: response.descendingMills, outcome: response.outcome };
}
