/**
 * Security headers on every answer (pages, API, errors), through @fastify/helmet: a Content
 * Security Policy the pages work under, no framing (clickjacking), no MIME sniffing, no referrer
 * leaving the site. The pages (src/web/public) load only their own scripts and styles, Leaflet from
 * /vendor/leaflet and tiles from the configured tile server; they have no inline script and no
 * inline style in their markup, and build map icons as DOM nodes (Leaflet would put an HTML string
 * in with innerHTML, which a style-src without 'unsafe-inline' refuses).
 */
import type { FastifyInstance } from 'fastify';
import fastifyHelmet from '@fastify/helmet';

/**
 * The CSP source of a Leaflet tile URL template: its origin, with a `{s}` sub-domain placeholder
 * as the wildcard it stands for ("https://{s}.tile.example.org/{z}/{x}/{y}.png" →
 * "https://*.tile.example.org"). null when there is no base map.
 */
export function tileSource(tileUrl: string | null): string | null {
  if (!tileUrl) return null;
  const m = /^(https?):\/\/([^/?#]+)/.exec(tileUrl);
  if (!m) return null;
  // a label with the {s} placeholder ("t{s}.tianditu.gov.cn", "webrd0{s}.is.autonavi.com") becomes
  // the wildcard label: CSP allows '*' only as a whole left-most label
  const host = m[2]!
    .split('.')
    .map((label) => (label.includes('{s}') ? '*' : label))
    .join('.');
  // any other placeholder in the host ({r}, {z} …) cannot be written as a CSP host: allow the scheme
  if (/[{}]/.test(host)) return `${m[1]}:`;
  return `${m[1]}://${host}`;
}

/** @param tileUrls every base-map URL template the pages may load (relative ones are 'self'). */
export async function installSecurityHeaders(app: FastifyInstance, tileUrls: string[]): Promise<void> {
  const tiles = [...new Set(tileUrls.map(tileSource).filter((x): x is string => x !== null))];
  await app.register(fastifyHelmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        // Leaflet's own markers and the tiles it draws; data: for Leaflet's CSS images
        'img-src': ["'self'", 'data:', 'blob:', ...tiles],
        'connect-src': ["'self'"],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    // medidrop serves plain http on a depot's LAN by default: upgrade-insecure-requests (off above,
    // useDefaults: false) and HSTS would break that; a TLS proxy in front sets HSTS itself.
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'same-origin' },
  });
}
