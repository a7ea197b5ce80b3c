/**
 * The session's {@link ProfileResolver} over the settings: the profiles of `zmqPeer.security.profiles`
 * as last read (re-read when the settings change), resolved with secrets from a {@link SecretReader}
 * (VS Code's SecretStorage in the extension). No vscode import.
 */
import type { ProfileSummary } from '../webview/protocol';
import { readSecurityProfiles, resolveProfile, SecurityProfileError, summaryOf, type ProfilesRead, type ResolvedProfile, type SecretReader, type SecurityProfile } from './security-profiles';
import type { ProfileResolver } from './session-settings';

export class SettingsProfiles implements ProfileResolver {
  readonly #readSetting: () => unknown;
  readonly #secrets: SecretReader;
  #read: ProfilesRead;

  /** `readSetting`: the setting's value now (`WorkspaceConfiguration.get('security.profiles')`). */
  constructor(readSetting: () => unknown, secrets: SecretReader) {
    this.#readSetting = readSetting;
    this.#secrets = secrets;
    this.#read = readSecurityProfiles(readSetting());
  }

  /** Reads the setting again; returns what it holds now, with the problems of its entries. */
  reload(): ProfilesRead {
    this.#read = readSecurityProfiles(this.#readSetting());
    return this.#read;
  }

  /** The usable profiles. */
  list(): readonly SecurityProfile[] {
    return this.#read.profiles;
  }

  /** Why entries of the setting were left out. */
  problems(): readonly string[] {
    return this.#read.problems;
  }

  get(name: string): SecurityProfile | undefined {
    return this.#read.profiles.find((p) => p.name === name);
  }

  summaries(): readonly ProfileSummary[] {
    return this.#read.profiles.map(summaryOf);
  }

  async resolve(name: string): Promise<ResolvedProfile> {
    const profile = this.get(name);
    if (profile === undefined) {
      const problem = this.#read.problems.find((p) => p.startsWith(`profile "${name}"`));
      throw new SecurityProfileError(problem ?? `no security profile "${name}" in the zmqPeer.security.profiles setting`);
    }
    return resolveProfile(profile, this.#secrets);
  }
}
