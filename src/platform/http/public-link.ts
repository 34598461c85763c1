/**
 * A full address on the public site for a path, for links that leave Guildhall in an email or a text
 * message: `publicUrl` is the configured PUBLIC_URL (config.publicUrl).
 */
export function publicLink(publicUrl: string, path: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${path}`;
}
