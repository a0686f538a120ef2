// Loaded into cognito-local with node --require (localstack/cognitolocal.go).
// Nothing cognito-local answers changes (docs/local-stack.md); two things
// it does with its files do:
//
// 1. Pool writes are coalesced. cognito-local keeps each user pool in
//    memory and, through stormdb, writes the whole pool back to its JSON
//    file after every change, with no ordering between overlapping writes.
//    A pool of a few thousand users then costs most of a CPU core, and two
//    overlapping writes can leave the file interleaved. Here the state in
//    memory stays the truth for every request; the file follows it within
//    FLUSH_MS, written whole to a temporary file and renamed over the old
//    one, and once more, synchronously, when the process exits or is told
//    to stop.
// 2. Confirmation codes are recorded. Each code cognito-local stores on a
//    user is appended to GATEHOUSE_CODES_FILE as "<sub> <code>", so that
//    the local stack finds a sign-up's code in a few lines (as a person
//    finds it in their inbox) instead of parsing the whole pool or log.
// 3. The pool's signing key is parsed once. cognito-local hands its PEM to
//    jsonwebtoken for every token it signs, which parses it again each
//    time; the parsed key (an immutable KeyObject) is kept by its PEM.
"use strict";

const fs = require("fs");
const path = require("path");

const FLUSH_MS = 1000;

// cognito-local's own files, from its script (argv[1], through the
// node_modules/.bin link).
const libDir = path.dirname(path.dirname(fs.realpathSync(process.argv[1])));

function load(what, resolve) {
  try {
    return require(resolve());
  } catch (err) {
    process.stderr.write(`gatehouse preload: ${what} not found, left as it is: ${err.message}\n`);
    return null;
  }
}

const Engine = load("stormdb's file engine", () =>
  require.resolve("stormdb/src/engine/local.js", { paths: [libDir] }),
);
if (Engine) {
  const pending = new Map(); // engine -> latest state to write

  const writeNow = (engine, data) => {
    const tmp = `${engine.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, engine.serialize(data));
    fs.renameSync(tmp, engine.path);
  };

  let timer = null;
  const flushAll = () => {
    clearTimeout(timer);
    timer = null;
    for (const [engine, data] of pending) {
      pending.delete(engine);
      try {
        writeNow(engine, data);
      } catch (err) {
        process.stderr.write(`gatehouse preload: write ${engine.path}: ${err.message}\n`);
      }
    }
  };

  Engine.prototype.write = function write(data) {
    if (!this.async) {
      writeNow(this, data);
      return null;
    }
    pending.set(this, data);
    if (!timer) {
      timer = setTimeout(flushAll, FLUSH_MS);
    }
    return Promise.resolve();
  };

  process.on("exit", flushAll);
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"]) {
    process.on(sig, () => {
      flushAll();
      process.exit(0);
    });
  }
}

{
  const crypto = require("crypto");
  const parse = crypto.createPrivateKey;
  const parsed = new Map();
  crypto.createPrivateKey = function createPrivateKey(key) {
    if (typeof key !== "string" || arguments.length > 1) {
      return parse.apply(this, arguments);
    }
    let k = parsed.get(key);
    if (!k) {
      k = parse.call(this, key);
      parsed.set(key, k);
    }
    return k;
  };
}

const codesFile = process.env.GATEHOUSE_CODES_FILE;
const store = codesFile && load("cognito-local's data store", () => path.join(libDir, "services", "dataStore", "stormDb.js"));
if (store && store.StormDBDataStore) {
  const set = store.StormDBDataStore.prototype.set;
  store.StormDBDataStore.prototype.set = function (ctx, key, value) {
    if (Array.isArray(key) && key[0] === "Users" && value && value.ConfirmationCode) {
      const sub = (value.Attributes || []).find((a) => a.Name === "sub");
      if (sub) {
        fs.appendFileSync(codesFile, `${sub.Value} ${value.ConfirmationCode}\n`);
      }
    }
    return set.call(this, ctx, key, value);
  };
}
