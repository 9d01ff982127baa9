namespace FastDb.Forwarder;
