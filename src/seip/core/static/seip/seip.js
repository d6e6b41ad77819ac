// Starts GOV.UK Frontend's components. A module file rather than inline script, so the
// Content Security Policy needs no 'unsafe-inline'.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();

// Tables scroll inside their own region on a narrow screen, so the page itself reflows
// at 320 px (WCAG 1.4.10). A region that scrolls must be reachable by keyboard and
// named (axe: scrollable-region-focusable), so it becomes one only when it scrolls.
function scrollableTables() {
  for (const table of document.querySelectorAll("main table")) {
    let wrapper = table.parentElement;
    if (!wrapper.classList.contains("seip-table-scroll")) {
      wrapper = document.createElement("div");
      wrapper.className = "seip-table-scroll";
      table.before(wrapper);
      wrapper.append(table);
    }
    if (wrapper.scrollWidth > wrapper.clientWidth) {
      const caption = table.querySelector("caption");
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
    } else {
      wrapper.removeAttribute("tabindex");
      wrapper.removeAttribute("role");
      wrapper.removeAttribute("aria-label");
    }
  }
}

// A chart wider than the phone scrolls in its figure, which is then a named region
// reachable by keyboard, like a table's.
function scrollableCharts() {
  let n = 0;
  for (const figure of document.querySelectorAll(".seip-chart-figure")) {
    n += 1;
    if (figure.scrollWidth > figure.clientWidth) {
      // A name of its own: landmarks of one kind must not share a name (axe).
      const svg = figure.querySelector("svg");
      const title = svg?.getAttribute("aria-label") || svg?.querySelector("title")?.textContent;
      figure.setAttribute("tabindex", "0");
      figure.setAttribute("role", "region");
      figure.setAttribute("aria-label", `Chart ${n}, scrolls sideways${title ? `: ${title.trim()}` : ""}`);
    } else {
      for (const name of ["tabindex", "role", "aria-label"]) figure.removeAttribute(name);
    }
  }
}

scrollableTables();
scrollableCharts();
window.addEventListener("resize", () => {
  scrollableTables();
  scrollableCharts();
});

// Conditional reveal for radios (the Design System's pattern), done here rather than by
// GOV.UK Frontend's radios, which mark each radio aria-expanded: not an allowed
// attribute on a radio (axe: aria-allowed-attr). The panel follows its radio in the
// page, so it is read in order (no aria-controls either: GOV.UK Frontend would add
// aria-expanded to any radio that has it). Without script it stays shown.
function conditionalReveals() {
  const inputs = document.querySelectorAll("input[type=radio][data-seip-reveals]");
  const groups = new Set([...inputs].map((input) => input.name));
  for (const name of groups) {
    const radios = document.querySelectorAll(`input[type=radio][name="${CSS.escape(name)}"]`);
    const sync = () => {
      for (const radio of radios) {
        const panel = document.getElementById(radio.dataset.seipReveals || "");
        if (panel) {
          panel.classList.toggle("govuk-radios__conditional--hidden", !radio.checked);
        }
      }
    };
    for (const radio of radios) radio.addEventListener("change", sync);
    sync();
  }
}

conditionalReveals();
