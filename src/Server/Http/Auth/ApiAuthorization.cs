using Microsoft.AspNetCore.Http;
using static FastDb.Server.Http.HttpText;

namespace FastDb.Server.Http.Auth;

/// <summary>
/// The client API's gate when the node runs with --auth: every request needs the permission its path needs
/// (<see cref="Permissions.Required"/>), from HTTP Basic credentials of a user in the file or from the "*" user.
/// No or wrong credentials: 401 with <c>WWW-Authenticate: Basic</c>; a signed-in user without the permission: 403.
/// Checked here, at the node the client talks to: a request this node forwards to the leader is already authorized
/// (the leader takes Forward frames only from members, which on TCP prove who they are with their peer certificate),
/// so the leader never re-checks it with more privilege than the user had.
/// </summary>
public sealed class ApiAuthorization(UserStore users)
{
    private const string Challenge = "Basic realm=\"fastdb\", charset=\"UTF-8\"";

    public RequestDelegate Wrap(RequestDelegate next) => async context =>
    {
        var request = context.Request;
        var needed = Permissions.Required(request.Method, request.Path.Value ?? "");
        string? header = request.Headers.Authorization;
        var user = await users.AuthenticateAsync(header, context.RequestAborted).ConfigureAwait(false);
        var granted = users.Anonymous | (user?.Permissions ?? Permission.None);
        if (header is not null && user is null)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "wrong username or password\n").ConfigureAwait(false);
            return;
        }
        if (needed == Permission.None ? user is not null || granted != Permission.None : (granted & needed) == needed)
        {
            if (user is not null) context.Items[typeof(ApiUser)] = user;
            await next(context).ConfigureAwait(false);
            return;
        }
        if (user is null)
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, "this node requires a username and password (HTTP Basic)\n").ConfigureAwait(false);
        else
            await WriteTextAsync(context, StatusCodes.Status403Forbidden,
                $"user '{user.Name}' lacks the '{needed.ToString().ToLowerInvariant()}' permission for {request.Method} {request.Path.Value}\n").ConfigureAwait(false);
    };

    private static Task RefuseAsync(HttpContext context, int status, string text)
    {
        context.Response.Headers.WWWAuthenticate = Challenge;
        return WriteTextAsync(context, status, text);
    }
}
