namespace FastDb.Server.Http.Auth;

/// <summary>rqlite's permission names, as far as this API has them ("all" grants every one).</summary>
[Flags]
public enum Permission
{
    None = 0,
    /// <summary>Change data: POST /sql (a script may write), PUT and DELETE /doc/{id}, rqlite's /db/execute.</summary>
    Execute = 1,
    /// <summary>Read data: GET /doc/{id}, rqlite's /db/query.</summary>
    Query = 2,
    /// <summary>GET /status, GET /nodes.</summary>
    Status = 4,
    /// <summary>GET /healthcheck, GET /readyz.</summary>
    Ready = 8,
    /// <summary>Add a member (POST /join).</summary>
    Join = 16,
    /// <summary>Remove a member: DELETE /nodes/{id}.</summary>
    Remove = 32,
    All = Execute | Query | Status | Ready | Join | Remove,
}

public static class Permissions
{
    public static bool TryParse(string name, out Permission permission)
    {
        permission = name switch
        {
            "all" => Permission.All,
            "execute" => Permission.Execute,
            "query" => Permission.Query,
            "status" => Permission.Status,
            "ready" => Permission.Ready,
            "join" => Permission.Join,
            "remove" => Permission.Remove,
            _ => Permission.None,
        };
        return permission != Permission.None;
    }

    /// <summary>
    /// What a request needs, by method and path; None for a path the API does not have (it answers 404 to any
    /// authenticated user). The one table of the API's permissions: a route added elsewhere gets its entry here.
    /// </summary>
    public static Permission Required(string method, string path)
    {
        var get = HttpMethodsIs(method, "GET") || HttpMethodsIs(method, "HEAD");
        switch (path)
        {
            case "/sql":
            case "/db/execute":
                return Permission.Execute;
            case "/db/query":
                return Permission.Query;
            case "/status":
            case "/nodes":
                return Permission.Status;
            case "/healthcheck":
            case "/readyz":
                return Permission.Ready;
            case "/join":
                return Permission.Join;
        }
        if (path.StartsWith("/doc/", StringComparison.Ordinal)) return get ? Permission.Query : Permission.Execute;
        if (path.StartsWith("/nodes/", StringComparison.Ordinal)) return get ? Permission.Status : Permission.Remove;
        return Permission.None;
    }

    private static bool HttpMethodsIs(string method, string expected) => string.Equals(method, expected, StringComparison.OrdinalIgnoreCase);
}
