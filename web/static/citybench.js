/* citybench.js: progressive enhancement only; every page works without it. */
