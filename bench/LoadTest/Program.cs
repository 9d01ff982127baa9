// Placeholder until the load test lands (same session).
return 0;
