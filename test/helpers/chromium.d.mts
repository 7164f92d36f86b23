/** The Chromium binary (`apt-get install chromium`); `CHROMIUM_PATH` overrides it. */
export declare const CHROMIUM_PATH: string;
/** Flags for a headless run on this machine: no sandbox as root, no GPU, no background traffic. */
export declare const CHROMIUM_ARGS: readonly string[];
