// Types of vite-plugin-pwa's virtual module 'virtual:pwa-register' (used by UpdateBanner.svelte).
/// <reference types="vite-plugin-pwa/client" />
