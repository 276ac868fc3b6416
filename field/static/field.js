/* The field app: forms that work with no signal, a queue kept in IndexedDB (it survives
   closing the browser and restarting the phone), and a sync that sends each record with
   the idempotency key made here, so the server stores it once however often it arrives. */
(() => {
  "use strict";
  const body = document.body;
  const T = JSON.parse(body.dataset.texts);
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const MAX_PHOTO = 200 * 1024;
  const CHUNK = 10;
  let db = null; // null: the browser keeps nothing (private mode, storage refused)
  let ref = null; // the cached reference data
  let csrf = null;
  let editing = null; // the record being corrected
  let syncing = false;

  // Storage ---------------------------------------------------------------------------
  function done(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("htx-field", 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("records", { keyPath: "key" });
        request.result.createObjectStore("meta");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error("blocked"));
    });
  }
  function put(name, value, key) {
    return new Promise((resolve, reject) => {
      const t = db.transaction(name, "readwrite");
      t.objectStore(name).put(value, key);
      t.oncomplete = () => resolve();
      t.onerror = t.onabort = () => reject(t.error);
    });
  }
  const read = (name, key) => done(db.transaction(name).objectStore(name).get(key));
  const allRecords = () =>
    done(db.transaction("records").objectStore("records").getAll()).then((rows) =>
      rows.sort((a, b) => a.created - b.created));
  function remove(key) {
    return new Promise((resolve, reject) => {
      const t = db.transaction("records", "readwrite");
      t.objectStore("records").delete(key);
      t.oncomplete = () => resolve();
      t.onerror = t.onabort = () => reject(t.error);
    });
  }

  // Messages --------------------------------------------------------------------------
  function notice(text, bad, link) {
    const box = $("#notice");
    box.textContent = text;
    if (link) {
      const a = document.createElement("a");
      a.href = link;
      a.textContent = " →";
      box.append(a);
    }
    box.className = bad ? "notice bad" : "notice";
    box.hidden = false;
  }
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, name) => values[name]);
  function showNet() {
    $("#net").textContent = navigator.onLine ? T.online : T.offline;
  }

  // Reference data --------------------------------------------------------------------
  function option(value, label) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }
  const labels = {
    products: (p) => `${p.name} (${p.unit})`,
    sites: (s) => s.name,
    households: (h) => h.name,
    lots: (l) => `${l.lot_code} · ${l.product}`,
  };
  function fillSelect(select, list) {
    const kept = select.value;
    select.textContent = "";
    select.append(option("", T.choose));
    for (const item of (ref && ref[list]) || []) select.append(option(item.id, labels[list](item)));
    select.value = kept;
  }
  function showReference() {
    $$("select[data-list]").forEach((s) => fillSelect(s, s.dataset.list));
    $("#org").textContent = ref ? `${ref.organization} · ${ref.user}` : T.no_lists;
    const when = $("#refreshed");
    when.textContent = ref ? new Date(ref.refreshed_at).toLocaleString(document.documentElement.lang) : T.never;
    if (ref) when.dateTime = ref.refreshed_at;
  }
  async function refresh() {
    let response;
    try {
      response = await fetch(body.dataset.reference, {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
      });
    } catch (err) {
      return false; // no signal: the cached lists stay
    }
    if (response.status === 401 || response.status === 403 || response.redirected) {
      notice(T.login, true, body.dataset.login);
      return false;
    }
    if (!response.ok) return false;
    ref = await response.json();
    csrf = ref.csrf_token;
    if (db) await put("meta", { ...ref, csrf_token: null }, "reference").catch(() => null);
    showReference();
    return true;
  }

  // Forms -----------------------------------------------------------------------------
  function localNow() {
    const now = new Date();
    return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  }
  // A datetime-local value as the event's time with the phone's offset (+07:00 in Vietnam).
  function withOffset(local) {
    const minutes = -new Date(local).getTimezoneOffset();
    const sign = minutes >= 0 ? "+" : "-";
    const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
    return `${local.slice(0, 16)}:00${sign}${pad(minutes / 60)}:${pad(minutes % 60)}`;
  }
  const number = (text) => text.trim().replace(/\s/g, "").replace(",", ".");
  const integer = (text) => (text ? parseInt(text, 10) : null);

  function addHousehold(form, memberId, quantity) {
    const row = document.createElement("div");
    row.className = "hh";
    const select = document.createElement("select");
    select.dataset.list = "households";
    select.setAttribute("aria-label", T.household);
    fillSelect(select, "households");
    select.value = memberId || "";
    const qty = document.createElement("input");
    qty.inputMode = "decimal";
    qty.placeholder = T.quantity;
    qty.setAttribute("aria-label", T.quantity);
    qty.value = quantity || "";
    qty.addEventListener("input", () => sumHouseholds(form));
    const drop = document.createElement("button");
    drop.type = "button";
    drop.textContent = "×";
    drop.title = T.remove;
    drop.addEventListener("click", () => { row.remove(); sumHouseholds(form); });
    row.append(select, qty, drop);
    $(".households", form).append(row);
  }
  function sumHouseholds(form) {
    const total = $$(".hh input", form).reduce((sum, i) => sum + (parseFloat(number(i.value)) || 0), 0);
    if (total) form.elements.quantity.value = String(Math.round(total * 1000) / 1000);
  }

  function collect(form) {
    const f = form.elements;
    const kind = form.dataset.kind;
    const data = { event_time: withOffset(f.event_time.value) };
    if (kind === "harvest") {
      data.product_id = integer(f.product_id.value);
      data.site_id = integer(f.site_id.value);
      data.quantity = number(f.quantity.value);
      data.households = $$(".hh", form)
        .map((row) => ({ member_id: integer($("select", row).value), quantity: number($("input", row).value) }))
        .filter((h) => h.member_id || h.quantity);
    } else if (kind === "input_applied") {
      data.lot_id = integer(f.lot_id.value);
      data.site_id = integer(f.site_id.value);
      data.input_name = f.input_name.value;
      data.dose = f.dose.value ? number(f.dose.value) : null;
      data.dose_unit = f.dose_unit.value;
      data.pre_harvest_interval_days = integer(f.pre_harvest_interval_days.value);
    } else {
      data.lot_id = integer(f.lot_id.value);
      data.result = f.result.value;
      data.note = f.note.value;
    }
    return data;
  }

  function showPhoto(form, dataUrl) {
    const img = $(".preview", form);
    img.hidden = !dataUrl;
    if (dataUrl) img.src = dataUrl;
    else img.removeAttribute("src");
  }
  // The photo made smaller on the phone, as a JPEG of at most 200 kB (a data: URL).
  async function shrink(file) {
    const bitmap = await createImageBitmap(file);
    let scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    for (let round = 0; round < 8; round += 1) {
      const canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      for (const quality of [0.8, 0.65, 0.5]) {
        const url = canvas.toDataURL("image/jpeg", quality);
        if (((url.length - url.indexOf(",") - 1) * 3) / 4 <= MAX_PHOTO) return url;
      }
      scale *= 0.7;
    }
    throw new Error("photo");
  }

  function resetForm(form) {
    form.reset();
    $$(".hh", form).forEach((row) => row.remove());
    if (form.dataset.kind === "harvest") addHousehold(form);
    form.elements.event_time.value = localNow();
    delete form.dataset.photo;
    showPhoto(form, null);
  }

  async function save(form, event) {
    event.preventDefault();
    if (!db) {
      notice(T.no_storage, true);
      return;
    }
    const kind = form.dataset.kind;
    const fix = editing && editing.kind === kind ? editing : null;
    let photo = form.dataset.photo || null;
    const file = form.elements.photo.files[0];
    if (file) {
      try {
        photo = await shrink(file);
      } catch (err) {
        notice(T.photo_big, true);
        return;
      }
    }
    const record = {
      key: fix ? fix.key : newKey(),
      kind,
      data: collect(form),
      local: form.elements.event_time.value,
      photo,
      state: "waiting",
      created: fix ? fix.created : Date.now(),
      rev: fix ? fix.rev + 1 : 1,
    };
    try {
      await put("records", record);
    } catch (err) {
      notice(err && err.name === "QuotaExceededError" ? T.full : T.no_storage, true);
      return;
    }
    editing = null;
    resetForm(form);
    notice(fix ? T.corrected : T.saved);
    await renderQueue();
    if (navigator.onLine) sync();
  }
  function newKey() {
    if (self.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function correct(record) {
    const form = document.getElementById(record.kind);
    resetForm(form);
    const f = form.elements;
    const d = record.data;
    for (const name of ["product_id", "site_id", "lot_id", "quantity", "input_name", "dose",
      "dose_unit", "pre_harvest_interval_days", "result", "note"]) {
      if (f[name] && d[name] !== undefined && d[name] !== null) f[name].value = d[name];
    }
    if (record.kind === "harvest") {
      $$(".hh", form).forEach((row) => row.remove());
      for (const h of d.households || []) addHousehold(form, h.member_id, h.quantity);
    }
    f.event_time.value = record.local;
    if (record.photo) form.dataset.photo = record.photo;
    showPhoto(form, record.photo);
    editing = record;
    location.hash = record.kind;
  }

  // The queue -------------------------------------------------------------------------
  function describe(record) {
    const d = record.data;
    const lot = record.result && record.result.lot_code;
    const parts = [T.kinds[record.kind], record.local.replace("T", " ")];
    if (lot) parts.push(`${T.lot} ${lot}`);
    else if (d.lot_id && ref) {
      const known = ref.lots.find((l) => l.id === d.lot_id);
      if (known) parts.push(`${T.lot} ${known.lot_code}`);
    }
    return parts.join(" · ");
  }
  function button(text, cls, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = cls;
    b.textContent = text;
    b.addEventListener("click", action);
    return b;
  }
  async function renderQueue() {
    if (!db) return;
    const records = await allRecords();
    $("#waiting").textContent = records.filter((r) => r.state !== "sent").length;
    const list = $("#records");
    list.textContent = "";
    for (const record of records.reverse()) {
      const li = document.createElement("li");
      li.dataset.key = record.key;
      li.dataset.state = record.state;
      li.dataset.kind = record.kind;
      const head = document.createElement("p");
      const state = document.createElement("span");
      state.className = `state state-${record.state}`;
      state.textContent = T[record.state];
      head.append(state, " ", describe(record));
      li.append(head);
      if (record.state === "refused") {
        const reason = document.createElement("p");
        reason.className = "reason";
        const details = Object.values(record.errors || {}).flat();
        reason.textContent = [record.reason, ...details].filter(Boolean).join(" ");
        li.append(reason, button(T.fix, "fix", () => correct(record)),
          button(T.delete, "delete secondary", async () => {
            if (confirm(T.confirm_delete)) { await remove(record.key); renderQueue(); }
          }));
      }
      list.append(li);
    }
  }

  // Sync: each record with its key; the answer per record says stored or refused --------
  function payload(record) {
    const item = { key: record.key, kind: record.kind, ...record.data };
    if (record.photo) item.photo = record.photo;
    return item;
  }
  async function apply(chunk, results) {
    let stored = 0;
    let refused = 0;
    for (const result of results) {
      const sent = chunk.find((r) => r.key === result.key);
      const current = sent && (await read("records", sent.key));
      if (!current || current.rev !== sent.rev) continue; // corrected meanwhile: send that
      if (result.status === "stored") {
        Object.assign(current, { state: "sent", result, reason: null, errors: null, photo: null });
        stored += 1;
      } else {
        Object.assign(current, { state: "refused", reason: result.message, errors: result.errors });
        refused += 1;
      }
      await put("records", current);
    }
    return [stored, refused];
  }
  async function sendChunk(chunk) {
    const response = await fetch(body.dataset.records, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf || "" },
      body: JSON.stringify({ records: chunk.map(payload) }),
    });
    if (response.status === 401 || response.status === 403) {
      notice(T.login, true, body.dataset.login);
      return null;
    }
    if (!response.ok) {
      notice(T.server_error, true);
      return null;
    }
    return (await response.json()).results;
  }
  async function sync() {
    if (syncing || !db) return;
    syncing = true;
    try {
      const waiting = (await allRecords()).filter((r) => r.state === "waiting");
      // Always refreshed first: a fresh token, and the lists as they are now (a lot closed
      // meanwhile leaves them, so a correction can only choose an open one).
      if (!(await refresh()) || !waiting.length) return;
      let stored = 0;
      let refused = 0;
      for (let i = 0; i < waiting.length; i += CHUNK) {
        const chunk = waiting.slice(i, i + CHUNK);
        let results;
        try {
          results = await sendChunk(chunk);
        } catch (err) {
          return; // the signal went: they stay waiting, sent next time
        }
        if (!results) return;
        const [s, r] = await apply(chunk, results);
        stored += s;
        refused += r;
      }
      const parts = [fill(T.stored_n, { n: stored })];
      if (refused) parts.push(fill(T.refused_n, { n: refused }));
      notice(parts.join(" "), refused > 0);
    } finally {
      syncing = false;
      await renderQueue();
    }
  }

  // Start -----------------------------------------------------------------------------
  function showTab() {
    const name = location.hash.slice(1) || "harvest";
    for (const panel of $$("main > form, main > section")) panel.hidden = panel.id !== name;
    for (const tab of $$("#tabs a")) tab.classList.toggle("on", tab.dataset.tab === name);
  }
  async function checkStorage() {
    try {
      db = await openDb();
    } catch (err) {
      db = null;
      notice(T.no_storage, true);
      return;
    }
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => null);
    if (navigator.storage && navigator.storage.estimate) {
      navigator.storage.estimate().then(({ usage, quota }) => {
        if (quota && quota - usage < 2 * MAX_PHOTO) notice(T.full, true);
      }).catch(() => null);
    }
    ref = (await read("meta", "reference").catch(() => null)) || null;
  }
  async function start() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(() => null);
    }
    await checkStorage();
    showReference();
    for (const form of $$("form.record")) {
      resetForm(form);
      form.addEventListener("submit", (e) => save(form, e));
      form.elements.photo.addEventListener("change", async () => {
        const file = form.elements.photo.files[0];
        if (file) showPhoto(form, await shrink(file).catch(() => null));
      });
    }
    $(".add-household").addEventListener("click", () => addHousehold($("#harvest")));
    $("#sync").addEventListener("click", sync);
    $("#refresh").addEventListener("click", refresh);
    addEventListener("hashchange", showTab);
    addEventListener("online", () => { showNet(); sync(); });
    addEventListener("offline", showNet);
    showTab();
    showNet();
    await renderQueue();
    performance.mark("field-ready"); // the app is usable: the bench's first and cached opens
    body.dataset.ready = "1";
    if (navigator.onLine) await sync();
  }
  start();
})();
