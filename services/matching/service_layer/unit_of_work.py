from services.matching.adapters.profiles import EnterpriseProfiles, InstitutionProfiles, ResearcherProfiles
from services.matching.adapters.repository import NeedSnapshotRepository
from shared.unit_of_work import SqlAlchemyUnitOfWork


class MatchingUnitOfWork(SqlAlchemyUnitOfWork):
    def _open(self) -> None:
        self.needs = NeedSnapshotRepository(self.session)
        self.researchers = ResearcherProfiles(self.session)
        self.institutions = InstitutionProfiles(self.session)
        self.enterprises = EnterpriseProfiles(self.session)
