import { unplugin } from './index.js'

export default unplugin.rspack as typeof unplugin.rspack
