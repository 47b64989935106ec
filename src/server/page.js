// gatecast serve: the live what-if page. Talks to /api/scenario and
// /api/run on the server that served it; nothing else, no network.
"use strict";

const state = { set: {}, scale: {}, iterations: null };
let scenario = null;
let seq = 0; // the newest request's number: older answers are dropped
let inflight = null; // its AbortController
let timer = null;

const $ = (sel, root) => (root || document).querySelector(sel);
const el = (tag, attrs, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
};
const fmt = (x) => (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString("en-US") : String(+x.toPrecision(4)));

function body() {
  return JSON.stringify({ set: state.set, scale: state.scale, iterations: state.iterations });
}

function changeCount() {
  return Object.keys(state.set).length + Object.keys(state.scale).length;
}

// ---- controls ----------------------------------------------------------

function inputControl(inp) {
  const maxScale = inp.max_scale ? Math.min(1.5, Math.floor(inp.max_scale * 100) / 100) : 1.5;
  const out = el("output", { class: "factor" }, "1.00×");
  const slider = el("input", {
    type: "range", min: "0.5", max: String(maxScale), step: "0.01", value: "1",
    "aria-label": "scale " + inp.path, "data-path": inp.path, class: "scale",
  });
  slider.addEventListener("input", () => {
    const f = +slider.value;
    out.textContent = f.toFixed(2) + "×";
    if (Math.abs(f - 1) < 1e-9) delete state.scale[inp.path];
    else state.scale[inp.path] = f;
    changed(120);
  });
  const set = el("input", {
    type: "text", class: "set", placeholder: "set…", "aria-label": "set " + inp.path,
    title: "A fixed value (e.g. " + fmt(inp.p50) + ") or a distribution in the file's syntax, e.g. { uniform = [3, 6] }; Enter applies it",
  });
  set.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    const t = set.value.trim();
    if (t === "") delete state.set[inp.path];
    else state.set[inp.path] = /^-?[0-9.]+(e-?[0-9]+)?$/i.test(t) ? +t : t;
    changed(0);
  });
  const pct = inp.shown;
  return el("div", { class: "control", "data-path": inp.path },
    el("div", { class: "name" }, label(inp.path), el("span", { class: "unit" }, inp.unit)),
    el("div", { class: "dist" }, inp.distribution + " · P10 " + pct[0] + " · P50 " + pct[1] + " · P90 " + pct[2]),
    el("div", { class: "row" }, slider, out, set));
}

function gateControl(g) {
  const one = (path, value, what) => {
    const out = el("output", {}, Math.round(value * 100) + "%");
    const s = el("input", {
      type: "range", min: "0", max: "1", step: "0.01", value: String(value),
      "aria-label": path, "data-path": path, "data-default": String(value), class: "gate",
    });
    s.addEventListener("input", () => {
      const v = +s.value;
      out.textContent = Math.round(v * 100) + "%";
      if (Math.abs(v - value) < 1e-9) delete state.set[path];
      else state.set[path] = v;
      changed(120);
    });
    return el("div", { class: "row" }, el("span", { class: "what" }, what), s, out);
  };
  return el("div", { class: "control gate", "data-stage": g.stage },
    el("div", { class: "name" }, g.stage + " gate"),
    one(g.pass_path, g.pass, "pass"),
    g.can_rework ? one(g.rework_path, g.rework, "rework") : null);
}

function label(path) {
  return path.replace(/^(stage|benefit)\./, "").replace(/\.gate\./, " gate · ").replace(/\./g, " · ").replace(/_/g, " ");
}

function resetControl(path) {
  for (const s of document.querySelectorAll('input[data-path="' + CSS.escape(path) + '"]')) {
    s.value = s.classList.contains("gate") ? s.dataset.default : "1";
    s.dispatchEvent(new Event("input"));
  }
  const c = document.querySelector('.control[data-path="' + CSS.escape(path) + '"] .set');
  if (c) c.value = "";
}

function renderChanges() {
  const list = $("#changes");
  list.replaceChildren();
  const items = [];
  for (const [p, v] of Object.entries(state.set)) items.push([p, label(p) + " = " + (typeof v === "number" ? fmt(v) : v), "set"]);
  for (const [p, f] of Object.entries(state.scale)) items.push([p, label(p) + " × " + f.toFixed(2), "scale"]);
  if (items.length === 0) list.append(el("li", { class: "none" }, "No change yet: move a control to ask “what if?”"));
  for (const [p, text, kind] of items) {
    list.append(el("li", {},
      text,
      el("button", {
        class: "remove", title: "remove this change", "aria-label": "remove " + text,
        onclick: () => { delete state[kind][p]; resetControl(p); changed(0); },
      }, "✕")));
  }
  $("#reset").disabled = items.length === 0;
}

// ---- running -----------------------------------------------------------

function changed(delay) {
  renderChanges();
  clearTimeout(timer);
  timer = setTimeout(run, delay);
}

async function run() {
  const mine = ++seq;
  if (inflight) inflight.abort();
  const ctl = new AbortController();
  inflight = ctl;
  document.body.classList.add("busy");
  try {
    const r = await fetch("api/run", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: body(), signal: ctl.signal,
    });
    const data = await r.json();
    if (mine !== seq) return;
    if (!r.ok) { showError(data); return; }
    showError(null);
    show(data);
  } catch (e) {
    if (e.name !== "AbortError" && mine === seq) showError({ error: "the server did not answer: " + e.message });
  } finally {
    if (mine === seq) { document.body.classList.remove("busy"); inflight = null; }
  }
}

function showError(data) {
  const box = $("#error");
  for (const c of document.querySelectorAll(".control.invalid")) c.classList.remove("invalid");
  if (!data) { box.hidden = true; return; }
  box.hidden = false;
  box.textContent = data.error;
  if (data.path) {
    const c = document.querySelector('.control[data-path="' + CSS.escape(data.path) + '"]');
    if (c) c.classList.add("invalid");
  }
}

function show(d) {
  const any = changeCount() > 0;
  document.body.classList.toggle("has-whatif", any);
  $("#headline-base").textContent = d.headline.base;
  $("#headline-whatif").textContent = d.headline.whatif;
  $("#run-note").textContent = d.iterations.toLocaleString("en-US") + " futures, seed " + d.seed +
    ", same random numbers for base and what-if · rerun in " + Math.round(d.elapsed_ms) + " ms";
  const tbody = $("#figures tbody");
  tbody.replaceChildren();
  for (const f of d.figures) {
    let delta = "", cls = "same";
    if (f.base !== null && f.whatif !== null && f.base !== f.whatif) {
      const up = f.whatif > f.base;
      cls = (up === (f.better === "up")) ? "better" : "worse";
      delta = up ? "▲" : "▼";
    } else if (f.base !== f.whatif) {
      // a figure that moved beyond the horizon (or back within it)
      const gone = f.whatif === null;
      cls = (gone === (f.better === "down")) ? "worse" : "better";
    }
    tbody.append(el("tr", { id: "fig-" + f.key },
      el("th", {}, f.label),
      el("td", { class: "base", "data-value": String(f.base) }, f.base_text),
      el("td", { class: "arrow " + cls }, any ? "→" : ""),
      el("td", { class: "whatif " + cls, "data-value": String(f.whatif) }, f.whatif_text, " ", el("span", { class: "delta" }, delta))));
  }
  for (const name of ["payback-distribution", "cumulative-net-cash", "stage-funnel", "tornado"]) {
    const box = document.getElementById("chart-" + name);
    box.replaceChildren();
    if (any) box.append(svgNode(d.charts.base[name], "ghost"));
    box.append(svgNode(d.charts.whatif[name], any ? "front" : "alone"));
  }
  const cmp = document.getElementById("chart-compare-payback");
  cmp.replaceChildren(svgNode(d.charts.compare["compare-payback"], "alone"));
  $("#compare-box").hidden = !any;
  document.body.dataset.ready = String(seq);
}

function svgNode(text, cls) {
  const holder = document.createElement("div");
  holder.innerHTML = text || "";
  const svg = holder.querySelector("svg");
  if (!svg) return el("div", { class: "missing" }, "no chart");
  if (!svg.getAttribute("viewBox")) {
    svg.setAttribute("viewBox", "0 0 " + parseFloat(svg.getAttribute("width")) + " " + parseFloat(svg.getAttribute("height")));
  }
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.classList.add(cls);
  return svg;
}

async function download(what, name) {
  document.body.classList.add("busy");
  try {
    const r = await fetch("api/" + what, { method: "POST", headers: { "Content-Type": "application/json" }, body: body() });
    if (!r.ok) { showError(await r.json()); return; }
    const blob = await r.blob();
    const cd = r.headers.get("Content-Disposition") || "";
    const m = /filename="([^"]+)"/.exec(cd);
    const a = el("a", { href: URL.createObjectURL(blob), download: m ? m[1] : name });
    document.body.append(a);
    a.click();
    a.remove();
  } finally {
    document.body.classList.remove("busy");
  }
}

// ---- start -------------------------------------------------------------

// Changes may come in the URL: ?scale.adoption.ceiling=0.8&set.stage.Pilot.gate.pass=0.6&iterations=5000
function fromUrl() {
  for (const [k, v] of new URLSearchParams(location.search)) {
    if (k === "iterations") state.iterations = +v;
    else if (k.startsWith("scale.")) state.scale[k.slice(6)] = +v;
    else if (k.startsWith("set.")) state.set[k.slice(4)] = isNaN(+v) ? v : +v;
  }
}

function syncControls() {
  for (const [p, f] of Object.entries(state.scale)) {
    const s = document.querySelector('input.scale[data-path="' + CSS.escape(p) + '"]');
    if (s) { s.value = String(f); s.nextElementSibling.textContent = f.toFixed(2) + "×"; }
  }
  for (const [p, v] of Object.entries(state.set)) {
    const g = document.querySelector('input.gate[data-path="' + CSS.escape(p) + '"]');
    if (g) { g.value = String(v); g.nextElementSibling.textContent = Math.round(v * 100) + "%"; }
    const t = document.querySelector('.control[data-path="' + CSS.escape(p) + '"] .set');
    if (t) t.value = String(v);
  }
}

async function start() {
  const r = await fetch("api/scenario");
  scenario = await r.json();
  state.iterations = scenario.iterations;
  fromUrl();
  document.title = scenario.name + ": what if? (gatecast)";
  $("#name").textContent = scenario.name;
  $("#file").textContent = scenario.file + " · " + scenario.horizon_months + "-month horizon · " + scenario.currency;
  const iters = $("#iterations");
  for (const n of [1000, 5000, 10000, 20000, 50000, 100000, 200000, state.iterations]) {
    if (n > scenario.max_iterations || iters.querySelector('option[value="' + n + '"]')) continue;
    iters.append(el("option", { value: String(n) }, n.toLocaleString("en-US")));
  }
  iters.value = String(state.iterations);
  iters.addEventListener("change", () => { state.iterations = +iters.value; changed(0); });
  const inputs = $("#inputs");
  const fixed = $("#fixed-inputs");
  for (const inp of scenario.inputs) (inp.uncertain ? inputs : fixed).append(inputControl(inp));
  const gates = $("#gates");
  for (const g of scenario.gates) gates.append(gateControl(g));
  $("#reset").addEventListener("click", () => {
    for (const p of [...Object.keys(state.set), ...Object.keys(state.scale)]) resetControl(p);
    state.set = {}; state.scale = {};
    changed(0);
  });
  $("#save").addEventListener("click", () => download("save", "what-if.toml"));
  $("#report").addEventListener("click", () => download("report", "what-if-report.html"));
  syncControls();
  changed(0);
}

start().catch((e) => showError({ error: "cannot load the scenario: " + e.message }));
