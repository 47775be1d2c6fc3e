// Integration tests drive real servers; give them room (per-project testTimeout is not honoured by Jest).
jest.setTimeout(180_000);
