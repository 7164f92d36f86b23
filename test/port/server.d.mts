export function startServer(): Promise<{ port: number; close(): Promise<void> }>;
