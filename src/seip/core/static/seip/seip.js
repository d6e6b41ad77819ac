// Starts GOV.UK Frontend's components. A module file rather than inline script, so the
// Content Security Policy needs no 'unsafe-inline'.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
