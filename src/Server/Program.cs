// Placeholder entry point: the server issue replaces this with the sqlcluster command line.
return 0;
