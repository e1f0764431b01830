// Page entry: mounts the Svelte app into #app; nothing else happens at import time.
import { mount } from 'svelte';
import App from './ui/App.svelte';
import './ui/app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no <div id="app">; the lab has nowhere to mount');

export default mount(App, { target });
