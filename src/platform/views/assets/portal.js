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

// The map on the where-is-it page (only when the council has a tile server): click, tap or use the
// arrow keys to put a pin where the problem is; the pin's lat/long go in the same hidden fields
// "use my location" fills. Without this script the map stays hidden and the page works as before.
for (const holder of document.querySelectorAll('[data-module="app-map-pin"]')) {
  const form = holder.closest('form');
  const svg = holder.querySelector('svg');
  const pin = holder.querySelector('[data-map="pin"]');
  const lat = form?.querySelector('[data-location="lat"]');
  const long = form?.querySelector('[data-location="long"]');
  const status = holder.querySelector('[data-map="status"]');
  if (!form || !svg || !pin || !lat || !long || !svg.getScreenCTM) continue;
  holder.hidden = false;
  const zoom = Number(holder.dataset.zoom);
  const originX = Number(holder.dataset.originX);
  const originY = Number(holder.dataset.originY);
  const world = 256 * 2 ** zoom;
  const lang = document.documentElement.lang;
  const place = (x, y) => {
    pin.setAttribute('cx', String(x));
    pin.setAttribute('cy', String(y));
    pin.setAttribute('visibility', 'visible');
    const wx = (originX + x) / world;
    const wy = (originY + y) / world;
    long.value = (wx * 360 - 180).toFixed(6);
    lat.value = ((Math.atan(Math.sinh(Math.PI * (1 - 2 * wy))) * 180) / Math.PI).toFixed(6);
    if (status) {
      status.textContent = `${lang === 'cy' ? 'Pin wedi’i osod: ' : 'Pin placed: '}${lat.value}, ${long.value}`;
    }
  };
  svg.addEventListener('click', (event) => {
    const matrix = svg.getScreenCTM();
    if (!matrix) return;
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    place(Math.round(point.x), Math.round(point.y));
  });
  const steps = { ArrowLeft: [-8, 0], ArrowRight: [8, 0], ArrowUp: [0, -8], ArrowDown: [0, 8] };
  svg.addEventListener('keydown', (event) => {
    const step = steps[event.key];
    if (!step && event.key !== 'Enter' && event.key !== ' ') return;
    event.preventDefault();
    const x = Number(pin.getAttribute('cx')) + (step ? step[0] : 0);
    const y = Number(pin.getAttribute('cy')) + (step ? step[1] : 0);
    place(x, y);
  });
}
