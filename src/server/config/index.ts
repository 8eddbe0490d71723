export { loadConfig, withDevelopmentDefaults, type AuthConfig, type ServerAuthSettings } from './load.js';
export { SETTINGS, type SettingName, type SettingSpec } from './settings.js';
