import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { uiReady } from '$lib/ipc/commands';

const target = document.getElementById('app');
if (!target) throw new Error('Hongyan: #app element missing from index.html');

const app = mount(App, { target });

// Tell the shell when the first frame of the app has been painted: a callback of the frame after
// the first one runs once that paint is done. Older shells lack the command; that is fine.
requestAnimationFrame(() =>
  requestAnimationFrame(() => {
    uiReady().catch(() => {});
  }),
);

export default app;
