namespace OrleansScale;

/// <summary>The clock grains read for business time (session expiry, sign-in windows), registered
/// as a keyed service so tests can move it without moving the clock Orleans itself runs on.</summary>
public static class GrainClock
{
    public const string Key = "grain-clock";
}
