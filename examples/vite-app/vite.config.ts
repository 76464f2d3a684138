import type { UserConfig } from 'vite'
// `vetoc/vite` is this repository's own package (self-reference): after `npm ci` it resolves to
// the built plugin in dist/. An app that installed vetoc writes the same line.
import vetoc from 'vetoc/vite'

const config: UserConfig = {
  plugins: [vetoc()],
}

export default config
