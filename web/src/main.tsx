import { render } from 'preact';
import '@picocss/pico/css/pico.min.css';
import './styles.css';
import { loadConfig } from './config';
import { capturePendingLink } from './pending';
import { App } from './app';

async function boot() {
  const root = document.getElementById('app')!;
  capturePendingLink();
  try {
    await loadConfig();
  } catch (e) {
    root.innerHTML = '';
    const p = document.createElement('p');
    p.setAttribute('role', 'alert');
    p.textContent = `The console cannot start: ${e instanceof Error ? e.message : e}`;
    root.appendChild(p);
    return;
  }
  root.innerHTML = '';
  render(<App />, root);
}
boot();
