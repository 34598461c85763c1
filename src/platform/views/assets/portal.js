// Progressive enhancement only: every citizen page works without this file.
import { initAll } from '/assets/govuk/govuk-frontend.min.js';

initAll();

// "Use my location" on the where-is-it page: fills the hidden lat/long fields from the browser.
for (const form of document.querySelectorAll('[data-module="app-use-my-location"]')) {
  const holder = form.querySelector('.app-use-my-location');
  const button = form.querySelector('[data-action="use-my-location"]');
  const status = form.querySelector('[data-location="status"]');
  const lat = form.querySelector('[data-location="lat"]');
  const long = form.querySelector('[data-location="long"]');
  if (!holder || !button || !status || !lat || !long || !('geolocation' in navigator)) continue;
  holder.hidden = false;
  const lang = document.documentElement.lang;
  button.addEventListener('click', () => {
    status.textContent = lang === 'cy' ? 'Yn dod o hyd i’ch lleoliad…' : 'Finding your location…';
    navigator.geolocation.getCurrentPosition(
      (position) => {
        lat.value = position.coords.latitude.toFixed(6);
        long.value = position.coords.longitude.toFixed(6);
        status.textContent = `${lang === 'cy' ? 'Lleoliad wedi’i ganfod: ' : 'Location found: '}${lat.value}, ${long.value}`;
      },
      () => {
        status.textContent =
          lang === 'cy'
            ? 'Nid oedd modd cael eich lleoliad. Disgrifiwch y lleoliad yn lle hynny.'
            : 'Your location could not be found. Describe the location instead.';
      },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
}
