export function startServer(options?: {
  storable?: (url: string) => boolean;
}): Promise<{ port: number; close(): Promise<void> }>;
