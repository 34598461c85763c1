// Progressive enhancement only: every citizen page works without this file.
import { initAll } from '/assets/govuk/govuk-frontend.min.js';

initAll();
