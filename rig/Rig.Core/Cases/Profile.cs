namespace Rig.Cases;

/// <summary>The run's profile (rig.json <c>profile</c>, RIG_PROFILE): a case picks its counts from it.</summary>
public static class Profile
{
    public static bool IsLab => RigSession.Current.Options.Profile == "lab";

    public static int Pick(int normal, int lab) => IsLab ? lab : normal;
}
