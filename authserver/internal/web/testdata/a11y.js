// The accessibility check run on every page the browser tests visit. It
// returns a list of problems (empty: the page passes):
//   - every visible form control has a label (label[for], a wrapping
//     label, aria-label or aria-labelledby);
//   - the landmarks exist: banner (header), navigation, main, contentinfo;
//   - the text contrast of every element with its own visible text is at
//     least 4.5:1 (3:1 for large text) against its computed background.
(() => {
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== "hidden" && s.display !== "none" && !el.closest("[hidden]");
  };
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.type === "hidden" || !visible(el)) continue;
    const labelled = (el.labels && el.labels.length > 0) || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!labelled) problems.push("unlabelled control: " + el.outerHTML.slice(0, 120));
  }
  for (const [sel, name] of [["header, [role=banner]", "banner"], ["nav, [role=navigation]", "navigation"],
      ["main, [role=main]", "main"], ["footer, [role=contentinfo]", "contentinfo"]]) {
    if (!document.querySelector(sel)) problems.push("missing landmark: " + name);
  }
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== "");
    const isControl = el.matches("input:not([type=hidden]), select, button");
    if ((!own && !isControl) || !visible(el) || el.closest(".visually-hidden") || el.closest("svg")) continue;
    const s = getComputedStyle(el);
    const fg = parse(s.color), bg = background(el);
    if (!fg) continue;
    const l1 = lum(fg), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(s.fontSize), bold = Number(s.fontWeight) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) {
      problems.push("contrast " + ratio.toFixed(2) + " < " + need + ": <" + el.tagName.toLowerCase() + "> " +
        (el.textContent || el.value || "").trim().slice(0, 60));
    }
  }
  return problems;
})()
